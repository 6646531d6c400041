from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizersConfig(AppConfig):
    name = "organizers"
    verbose_name = _("Organizers")

    def ready(self) -> None:
        from organizers import security, tokens

        security.connect()
        tokens.connect()
        # The token admin lives beside the tokens; registered here, Django's autodiscovery
        # imports organizers/admin.py only.
        import organizers.admin_tokens  # noqa: F401
