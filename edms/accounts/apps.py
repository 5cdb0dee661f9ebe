from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "edms.accounts"
    label = "accounts"
    verbose_name = "Accounts"
