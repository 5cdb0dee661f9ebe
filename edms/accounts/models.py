import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from edms.core.natural_keys import NaturalKeyModel


class User(AbstractUser):
    """An EDMS user; roles come through UserRole. Natural key: username."""

    NATURAL_KEY = ("username",)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    roles = models.ManyToManyField(
        "accounts.Role", through="accounts.UserRole", through_fields=("user", "role"), blank=True
    )

    objects = UserManager()

    def has_role(self, *names: str) -> bool:
        """Whether the user holds any of the roles; uses prefetched roles when there are some."""
        if "roles" in getattr(self, "_prefetched_objects_cache", {}):
            return any(role.name in names for role in self.roles.all())
        return self.userrole_set.filter(role__name__in=names).exists()


class Role(NaturalKeyModel):
    """An EDMS role such as Author or Approver (configuration)."""

    NATURAL_KEY = ("name",)

    name = models.CharField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    permissions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserRole(NaturalKeyModel):
    """A role granted to a user, with who granted it and when."""

    NATURAL_KEY = ("user__username", "role__name")

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    role = models.ForeignKey(Role, on_delete=models.PROTECT)
    assigned_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} as {self.role}"
