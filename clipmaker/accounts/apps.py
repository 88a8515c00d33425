from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clipmaker.accounts"
    label = "accounts"
    verbose_name = "Пользователи"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from clipmaker.accounts.login_limit import log_lockout
        from clipmaker.admin_names import russian_admin_apply

        # A log line per lockout (observability, not business logic).
        user_locked_out.connect(log_lockout, dispatch_uid="clipmaker-login-locked-out")
        # The admin has discovered every admin.py by now (it is an earlier app): headings in
        # the accusative, messages that agree, the libraries' models named in Russian.
        russian_admin_apply()
