from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "edms.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Signal receivers: failed logins are audited, inactive users' tokens revoked, and
        # the SQLite file made private as it is opened.
        from edms.accounts import logins, private_files, tokens  # noqa: F401
