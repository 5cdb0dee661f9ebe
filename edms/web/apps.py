from django.apps import AppConfig


class WebConfig(AppConfig):
    """The administrators' web UI: pages rendered here, every action taken through the API."""

    name = "edms.web"
    label = "web"
    verbose_name = "Web UI"
