from django.contrib import admin

from edms.core.models import InstanceIdentity, SystemSetting


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only a service may change (lifecycle, audit chain, backup configurations):
    the admin shows them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SystemSetting)
class SystemSettingAdmin(ReadOnlyAdmin):
    """Shown only: settings are configuration that backups carry and reinit keeps; an
    unrecorded click in the admin must not change them."""

    list_display = ["key", "value", "description", "updated_at"]
    search_fields = ["key", "description"]


@admin.register(InstanceIdentity)
class InstanceIdentityAdmin(ReadOnlyAdmin):
    list_display = ["instance_id", "audit_chain", "audit_head", "created_at"]
