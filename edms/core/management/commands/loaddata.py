"""`edms loaddata` only into an installation without business data.

Loading fixtures is the documented way back without EDMS (docs/backup-format.md): into a freshly
migrated install. Into one that holds documents, users or audit entries it would mix records by
primary key, unchecked and unaudited; `edms restore_backup` resolves them by natural key.
"""

from django.core.management.base import CommandError
from django.core.management.commands import loaddata

from edms.core.registry import BackupRole, registry


class Command(loaddata.Command):
    help = (
        "Load Django fixtures into a freshly migrated install (refused once it holds business "
        "data: use restore_backup)."
    )

    def handle(self, *fixture_labels: str, **options) -> None:
        using = options["database"]
        holding = [
            entry.label
            for entry in registry.of_role(BackupRole.BUSINESS)
            if entry.model._base_manager.using(using).exists()
        ]
        if holding:
            raise CommandError(
                f"loaddata is refused: this installation already holds business data "
                f"({', '.join(holding)}). Use `edms restore_backup --from-file FILE`, which "
                "matches records by natural key, checks them and is audited; loaddata is for a "
                "freshly migrated install."
            )
        super().handle(*fixture_labels, **options)
