from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance")

    def ready(self) -> None:
        # Registers the workflow's named permissions (finance.submit_transaction, ...).
        from finance import rules  # noqa: F401
        from finance.admin import event_page

        event_page.register()
