"""Failed logins: every one is audited, and too many lock the username at that address.

django-axes counts the failures and refuses a locked-out pair (settings: AXES_*); this module
writes each failure into the audit trail and gives the JWT login the same 429 the web login
gets from axes' middleware (DRF hands authenticate() its own request object, whose lockout
flag the middleware cannot see)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import TokenObtainPairView

from edms.accounts.models import User
from edms.audit import chain

LOGIN_FAILED = "LOGIN_FAILED"


@receiver(user_login_failed, dispatch_uid="edms.accounts.audit_failed_login")
def audit_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    """One LOGIN_FAILED entry per refused login, naming the username tried and the address;
    `locked_out` says whether axes refuses that pair from now on."""
    username = str(credentials.get("username", ""))[:150]
    who = User.objects.filter(username=username).first() or User(username=username)
    chain.record(
        LOGIN_FAILED,
        who,
        None,
        {
            "username": username,
            "address": request.META.get("REMOTE_ADDR", "") if request is not None else "",
            "path": request.path if request is not None else "",
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


class LockedOut(Throttled):
    default_detail = "too many failed logins for this username from this address"


class LoginSerializer(TokenObtainPairSerializer):
    def validate(self, attrs: dict) -> dict:
        tokens = super().validate(attrs)
        # As the sign-in page does: axes forgets the pair's failures, last_login is stamped.
        user_logged_in.send(type(self.user), request=self.context["request"], user=self.user)
        return tokens


class LoginView(TokenObtainPairView):
    """POST username and password for an access and a refresh token; 429 while locked out."""

    serializer_class = LoginSerializer

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                cooloff = settings.AXES_COOLOFF_TIME
                raise LockedOut(
                    wait=cooloff.total_seconds(),
                    detail=f"{LockedOut.default_detail}; try again in "
                    f"{int(cooloff.total_seconds() // 60)} minutes",
                ) from None
            raise
