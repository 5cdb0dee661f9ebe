"""Revoking JWTs (simplejwt's blacklist app).

A refresh token is good for one refresh: the refresh answers a new one and blacklists the old.
Presenting a used one again means two parties hold it, so all of that user's refresh tokens are
blacklisted and both must log in again. Logout blacklists the refresh token it is given. Tokens
carry a digest of the password hash (SIMPLE_JWT CHECK_REVOKE_TOKEN): a password change voids
every earlier token, access tokens included. A deactivated user's tokens are refused, and their
refresh tokens blacklisted so that a reactivation does not revive them."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenBlacklistSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import Token, UntypedToken
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenBlacklistView, TokenRefreshView

from edms.accounts.models import User
from edms.audit import chain


def revoke_refresh_tokens(user: User) -> int:
    """Blacklist every refresh token issued to `user` that is not blacklisted yet."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    return len(revoked)


def _owner(token: Token) -> User | None:
    key = token.get(api_settings.USER_ID_CLAIM)
    return User.objects.filter(**{api_settings.USER_ID_FIELD: key}).first() if key else None


class RotatingRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, refusing a reused token (and revoking the user's others) and a
    token issued before the password last changed."""

    def validate(self, attrs: dict) -> dict:
        presented = UntypedToken(attrs["refresh"])  # signature and expiry, else TokenError
        if (user := _owner(presented)) is not None:
            jti = presented.get(api_settings.JTI_CLAIM)
            if BlacklistedToken.objects.filter(token__jti=jti).exists():
                revoked = revoke_refresh_tokens(user)
                chain.record("REFRESH_TOKEN_REUSED", user, None, {"revoked": revoked})
                raise InvalidToken(
                    "this refresh token was already used: every refresh token of "
                    f"{user.username} is now revoked; log in again"
                )
            if presented.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
                user.password
            ):
                raise InvalidToken("the password changed after this token was issued; log in again")
        return super().validate(attrs)


class RefreshView(TokenRefreshView):
    """POST a refresh token for a new access token and a new refresh token (the old one is
    spent)."""

    serializer_class = RotatingRefreshSerializer


class LogoutSerializer(TokenBlacklistSerializer):
    def validate(self, attrs: dict) -> dict:
        super().validate(attrs)  # blacklists the token; TokenError if it is not a live one
        user = _owner(UntypedToken(attrs["refresh"]))
        chain.record("LOGOUT", user, None, {"via": "api"})
        return {}


class LogoutView(TokenBlacklistView):
    """POST the refresh token to log out: it is blacklisted and gives no new access token.
    Access tokens already issued stay valid until they expire (ACCESS_TOKEN_LIFETIME)."""

    serializer_class = LogoutSerializer


@receiver(post_save, sender=User, dispatch_uid="edms.accounts.revoke_tokens_of_inactive_user")
def revoke_tokens_of_inactive_user(sender, instance: User, **kwargs) -> None:
    if not instance.is_active:
        revoke_refresh_tokens(instance)
