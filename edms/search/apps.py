from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "edms.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from edms.search import receivers

        receivers.connect(self)
