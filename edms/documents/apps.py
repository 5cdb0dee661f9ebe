from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "edms.documents"
    label = "documents"
    verbose_name = "Documents"
