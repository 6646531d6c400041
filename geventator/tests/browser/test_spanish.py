"""A browser asking for Spanish (Accept-Language: es) gets the admin in Spanish: Django's own texts
and GEventator's (model names, the events list, the event workspace)."""

from __future__ import annotations

from django.utils import translation
from django.utils.text import capfirst

from geventator.tests.browser.fixtures import BROWSER

pytestmark = BROWSER


def spanish(text) -> str:
    """``text`` (a lazy translation of ours) as the Spanish catalogue says it."""
    with translation.override("es"):
        return str(capfirst(text))


def test_admin_speaks_spanish_to_a_spanish_browser(new_page, sign_in, event_a, organizer):
    from playwright.sync_api import expect

    from finance.models import Transaction
    from organizers.models import Event

    ours = [spanish(Event._meta.verbose_name_plural), spanish(Transaction._meta.verbose_name_plural)]
    english = [str(capfirst(Event._meta.verbose_name_plural)), str(capfirst(Transaction._meta.verbose_name_plural))]
    assert ours != english, f"not translated into Spanish: {english}"

    page = new_page(locale="es")
    sign_in(page, organizer)

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#user-tools")).to_contain_text("Cerrar sesión")  # Django's own catalogue
    for name in ours:
        expect(page.locator("#content-main")).to_contain_text(name)
    expect(page.locator("#workspace-events")).to_contain_text(spanish(translation.gettext_lazy("Your events")))
    page.locator("#workspace-events").get_by_role("link", name="Festival A").click()
    expect(page.locator("#workspace-balance h3")).to_have_text(spanish(translation.gettext_lazy("Balance")))
    expect(page.locator("#workspace-result")).to_contain_text(spanish(translation.gettext_lazy("Income and expenses")))
