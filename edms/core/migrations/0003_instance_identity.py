from django.db import migrations


def create_identity(apps, schema_editor):
    """One identity per install, made by migrate so that concurrent first writers share it."""
    InstanceIdentity = apps.get_model("core", "InstanceIdentity")
    identities = InstanceIdentity.objects.using(schema_editor.connection.alias)
    if not identities.exists():
        identities.create()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_default_configuration")]

    operations = [migrations.RunPython(create_identity, migrations.RunPython.noop)]
