from django.db import migrations


def install_defaults(apps, schema_editor):
    from edms.core import defaults

    defaults.install(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("accounts", "0001_initial"),
        ("documents", "0002_initial"),
        ("workflows", "0001_initial"),
    ]

    operations = [migrations.RunPython(install_defaults, migrations.RunPython.noop)]
