from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from edms.accounts.models import Role, User, UserRole
from edms.accounts.roles import assign_role, revoke_role


class GrantForm(forms.ModelForm):
    """A grant is given or taken back, never edited: editing one would change who holds a role
    without the revoke and grant the audit trail must show."""

    class Meta:
        model = UserRole
        fields = ["role"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role"].disabled = True


class UserRoleInline(admin.TabularInline):
    model = UserRole
    form = GrantForm
    fk_name = "user"
    extra = 0
    fields = ["role", "assigned_by", "assigned_at"]
    readonly_fields = ["assigned_by", "assigned_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "get_full_name", "email", "role_names", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "roles"]
    inlines = [UserRoleInline]

    @admin.display(description="roles")
    def role_names(self, user: User) -> str:
        return ", ".join(role.name for role in user.roles.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    def save_formset(self, request, form, formset, change):
        """Role grants and revocations go through edms/accounts/roles.py, so they are stamped
        and audited."""
        if formset.model is not UserRole:
            return super().save_formset(request, form, formset, change)
        for grant in formset.save(commit=False):
            assign_role(request.user, form.instance, grant.role.name)
        for removed in formset.deleted_objects:
            revoke_role(request.user, form.instance, removed.role.name)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    """Grants are added and deleted here through the audited functions; none is edited."""

    list_display = ["user", "role", "assigned_by", "assigned_at"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    fields = ["user", "role"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = assign_role(request.user, obj.user, obj.role.name).pk

    def delete_model(self, request, obj):
        revoke_role(request.user, obj.user, obj.role.name)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("user", "role"):
            revoke_role(request.user, grant.user, grant.role.name)
