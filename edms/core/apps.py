from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "edms.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from edms.core.checks import check_registry, check_settings

        checks.register(check_registry, "edms")
        checks.register(check_settings, "edms")
