from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from edms.accounts.models import Role, User, UserRole
from edms.accounts.roles import assign_role


class UserRoleInline(admin.TabularInline):
    model = UserRole
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
        """New role grants go through assign_role, so they are stamped and audited."""
        if formset.model is not UserRole:
            return super().save_formset(request, form, formset, change)
        for grant in formset.save(commit=False):
            if grant.pk is None:
                assign_role(request.user, form.instance, grant.role.name)
            else:
                grant.save()
        for removed in formset.deleted_objects:
            removed.delete()


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "assigned_by", "assigned_at"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    readonly_fields = ["assigned_by", "assigned_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.pk = assign_role(request.user, obj.user, obj.role.name).pk
