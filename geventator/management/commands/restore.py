"""``manage.py restore ARCHIVE``: load a backup into an empty database (geventator/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from geventator.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty, migrated database, all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive: Path, **options) -> None:
        if not archive.is_file():
            raise CommandError(f"No such file: {archive}")
        try:
            manifest = restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{label}: {n}" for label, n in manifest.counts.items())
        self.stdout.write(f"Restored {archive} ({manifest.data['scope']}): {counts}; balances checked.")
