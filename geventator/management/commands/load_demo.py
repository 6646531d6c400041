"""``manage.py load_demo``: the demo event and its logins, for development (``make run`` calls it)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from geventator.demo import DEMO_PASSWORD, SUPERUSER_USERNAME, load_demo
from organizers.models import Organizer, Role


class Command(BaseCommand):
    help = _(
        "Load the demo event (Harbour Lights Festival) with its organizers, ledger and schedule, and a "
        "superuser 'admin'. Writes nothing that is already there. Development only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Load the demo even with DEBUG off (the demo users have a published password)."),
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help=_("Where the server answers, for the admin address printed at the end."),
        )

    def handle(self, *args, force: bool, base_url: str, **options) -> None:
        # The demo users share a published password: never load them into a production store by accident.
        if not settings.DEBUG and not force:
            raise CommandError(_("DEBUG is off: the demo is for development. Use --force to load it anyway."))

        result = load_demo()
        event = result.event
        if result.created:
            self.stdout.write(self.style.SUCCESS(_("Loaded the demo event “%(name)s”.") % {"name": event.name}))
        else:
            self.stdout.write(_("The demo event “%(name)s” is already there: nothing loaded.") % {"name": event.name})

        self.stdout.write("")
        self.stdout.write(_("Admin: %(url)s") % {"url": f"{base_url.rstrip('/')}/admin/"})
        self.stdout.write(_("API:   %(url)s") % {"url": f"{base_url.rstrip('/')}/api/docs/"})
        self.stdout.write(_("Logins (username / password):"))
        admin = Organizer.objects.get(username=SUPERUSER_USERNAME)
        self.stdout.write(f"  {_('superuser'):<10} {SUPERUSER_USERNAME} / {self._password_of(admin)}")
        if not (admin.is_superuser and admin.is_active):
            self.stdout.write(
                self.style.WARNING(_("The existing user “%(name)s” is not an active superuser.") % {"name": admin})
            )
        for user, role in result.members:
            self.stdout.write(f"  {str(Role(role).label):<10} {user.username} / {DEMO_PASSWORD}")

    @staticmethod
    def _password_of(admin: Organizer) -> str:
        # An "admin" that existed before the demo keeps its own password: don't print a wrong one.
        if admin.check_password(DEMO_PASSWORD):
            return DEMO_PASSWORD
        return _("(its own password, unchanged)")
