"""Spanish and English: every string of ours has its Spanish, the install compiles the catalogue,
the admin answers in the browser's language or the one chosen with the switcher, and money and
dates read as the language writes them.

makemessages needs GNU gettext (xgettext, msgmerge): `make install` installs it when root.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from finance.factories import AccountFactory
from geventator.currencies import format_money

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
PYBABEL = Path(sys.executable).parent / "pybabel"
BRACES = re.compile(r"\{\w*\}")
# Local state and caches: nothing makemessages reads (.venv is a link, copied as one and ignored).
NOT_COPIED = (".git", "var", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache", "__pycache__", "*.mo")


def makemessages_options() -> list[str]:
    """The options `make messages` passes: one list, so the test checks what the developers run."""
    line = re.search(r"^MAKEMESSAGES_IGNORE := (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert line, "MAKEMESSAGES_IGNORE is gone from the Makefile"
    return shlex.split(line.group(1))


def test_every_string_of_ours_has_its_spanish(tmp_path, settings, monkeypatch):
    # The code's strings of today merged into a copy of the committed catalogue: a string marked
    # but never translated shows as empty, a changed one as fuzzy. makemessages writes into the
    # "locale" folder of the directory it runs in, so it runs in a copy of the project.
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, symlinks=True, ignore=shutil.ignore_patterns(*NOT_COPIED))
    catalogue = project / "locale" / "es" / "LC_MESSAGES" / "django.po"
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(project)
    call_command("makemessages", "--locale", "es", *makemessages_options(), verbosity=0)

    messages = [message for message in read_po(catalogue.open("rb")) if message.id]
    strings = lambda message: message.string if isinstance(message.string, tuple) else (message.string,)  # noqa: E731

    assert messages
    assert [message.id for message in messages if message.fuzzy or not all(strings(message))] == []


def test_the_spanish_keeps_every_placeholder():
    catalogue = read_po(CATALOGUE.open("rb"))
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        # %(name)s and %s: Babel's checker, the one that also makes `pybabel compile` fail.
        problems += [(message.id, str(error)) for error in message.check(catalogue)]
        originals = message.id if isinstance(message.id, tuple) else (message.id,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in translations:
            if set(BRACES.findall(translated)) != set(BRACES.findall(originals[-1])):
                problems.append((message.id, f"{{…}} placeholders differ in {translated!r}"))

    assert not catalogue.fuzzy
    assert catalogue.num_plurals == 2
    assert problems == []


def test_the_install_compiles_the_catalogue_and_refuses_a_broken_placeholder(tmp_path):
    compiled = tmp_path / "django.mo"
    done = subprocess.run(  # noqa: S603
        [PYBABEL, "compile", "--input-file", CATALOGUE, "--output-file", compiled], capture_output=True, text=True
    )
    broken = tmp_path / "broken.po"
    broken.write_text(CATALOGUE.read_text().replace('msgstr "Horario de %(event)s"', 'msgstr "Horario de %(evento)s"'))
    refused = subprocess.run(  # noqa: S603
        [PYBABEL, "compile", "--input-file", broken, "--output-file", tmp_path / "broken.mo"],
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
    with compiled.open("rb") as mo:
        assert GNUTranslations(mo).gettext("Activities") == "Actividades"
    assert refused.returncode != 0
    assert "evento" in refused.stdout + refused.stderr


@pytest.mark.parametrize("target", ["install-run", "install"])
def test_make_install_compiles_the_catalogue(target, tmp_path):
    # -B: as on a fresh clone, where no .mo exists (they are not committed).
    dry = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "-n", "-B", target, f"VENV={tmp_path / 'venv'}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert "pybabel compile --statistics --input-file locale/es/LC_MESSAGES/django.po" in dry.stdout
    assert "*.mo" in (ROOT / ".gitignore").read_text().split()


@pytest.fixture
def signed_in(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


def test_the_admin_speaks_the_browsers_language(signed_in):
    spanish = signed_in.get("/admin/", headers={"accept-language": "es-ES,es;q=0.9,en;q=0.5"}).content.decode()
    english = signed_in.get("/admin/", headers={"accept-language": "en-GB,en;q=0.9"}).content.decode()

    assert '<html lang="es"' in spanish
    assert "Finanzas" in spanish and "Actividades" in spanish  # our apps' names
    assert "Mi calendario" in spanish  # our user link
    assert '<html lang="en"' in english
    assert "Finance" in english and "My calendar feed" in english


def test_the_switcher_changes_the_language_without_script(signed_in):
    page = signed_in.get("/admin/", headers={"accept-language": "en"})
    form = re.search(r'<form id="language-form".*?</form>', page.content.decode(), re.S)
    assert form, "no language switcher in the user links"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0)).group(1)

    assert 'action="/i18n/setlang/"' in form.group(0)
    assert '<button type="submit" name="language" value="es"' in form.group(0)  # a plain submit
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]

    chosen = signed_in.post(
        "/i18n/setlang/",
        {"language": "es", "next": "/admin/", "csrfmiddlewaretoken": token},
        headers={"accept-language": "en"},
    )
    # The browser still asks for English: the choice wins.
    after = signed_in.get("/admin/", headers={"accept-language": "en"}).content.decode()

    assert chosen.status_code == 302 and chosen["Location"] == "/admin/"
    assert signed_in.cookies["django_language"].value == "es"
    assert '<html lang="es"' in after and "Finanzas" in after
    assert '<button type="submit" name="language" value="en"' in after  # and back


def test_the_switcher_refuses_a_post_without_the_csrf_token(signed_in):
    response = signed_in.post("/i18n/setlang/", {"language": "es", "next": "/admin/"})

    assert response.status_code == 403
    assert "django_language" not in signed_in.cookies


def test_money_and_dates_read_as_the_language_writes_them():
    with translation.override("es"):
        assert format_money(Decimal("12345.5"), "EUR") == "12.345,50\xa0€"
        assert format_money(Decimal("-7"), "USD") == "-7,00\xa0US$"
        assert date_format(date(2026, 6, 12)) == "12 de junio de 2026"
    with translation.override("en"):
        assert format_money(Decimal("12345.5"), "EUR") == "€12,345.50"
        assert date_format(date(2026, 6, 12)) == "June 12, 2026"


def test_admin_lists_show_money_in_the_language(signed_in, event_a):
    AccountFactory(event=event_a, name="Banco", opening_balance=Decimal("12345.50"))

    spanish = signed_in.get("/admin/finance/account/", headers={"accept-language": "es"}).content.decode()
    english = signed_in.get("/admin/finance/account/", headers={"accept-language": "en"}).content.decode()

    assert "12.345,50\xa0€" in spanish
    assert "€12,345.50" in english
