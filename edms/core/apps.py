from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "edms.core"
    label = "core"
    verbose_name = "Core"
