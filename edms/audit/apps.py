from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "edms.audit"
    label = "audit"
    verbose_name = "Audit trail"
