"""``manage.py backup [--event SLUG] OUTPUT.tar.gz``: a portable archive (geventator/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geventator.backup import backup


class Command(BaseCommand):
    help = "Export all data, or one event, to a portable .tar.gz archive (see README, Backups)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("output", type=Path, help="the archive to write, e.g. backup.tar.gz")
        parser.add_argument("--event", metavar="SLUG", help="only this event (accounts without passwords)")

    def handle(self, *args, output: Path, event: str | None = None, **options) -> None:
        from organizers.models import Event

        if event is not None and not Event.objects.filter(slug=event).exists():
            raise CommandError(f"No event with the slug {event!r}.")
        manifest = backup(output, event)
        counts = ", ".join(f"{label}: {n}" for label, n in manifest.counts.items())
        self.stdout.write(f"Wrote {output} ({manifest.data['scope']}): {counts}")
