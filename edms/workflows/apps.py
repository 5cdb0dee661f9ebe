from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "edms.workflows"
    label = "workflows"
    verbose_name = "Workflows"
