"""An expense from receipt to payment, as the people involved do it in Chromium: an organizer enters
it with its receipt and submits it, a treasurer approves and pays it, and the event's balance on
its workspace (the event's admin page) moves by the amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from geventator.tests.browser.fixtures import BROWSER

pytestmark = BROWSER

# The smallest file the receipt check accepts as a PNG (finance/receipts.py reads the first bytes).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Receipts stored in the test's own folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pick_autocomplete(page, field: str, text: str) -> None:
    """Chooses ``text`` in one of the admin's autocomplete (select2) boxes, by typing as a person does."""
    page.locator(f".field-{field} [role=combobox]").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).click()


def test_organizer_submits_an_expense_with_receipt_treasurer_approves_and_pays(
    new_page, sign_in, event_a, organizer, treasurer
):
    from playwright.sync_api import expect

    from finance.factories import TransactionFactory
    from finance.models import Kind

    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("200.00"), description="Ticket sales")
    assert event_a.four_eyes_threshold is None  # one approver is enough in this event

    # The organizer enters the expense with its receipt and submits it.
    desk = new_page()
    sign_in(desk, organizer)
    desk.goto("/admin/finance/transaction/add/")
    pick_autocomplete(desk, "event", "Festival A")
    desk.get_by_label("Kind:").select_option(label="purchase")
    desk.get_by_label("Amount:", exact=True).fill("45.50")
    desk.get_by_label("Currency:").fill("EUR")
    desk.get_by_label("Date:").fill("2026-06-12")
    desk.get_by_label("Description:").fill("Paella for the crew")
    desk.locator("#receipts-group input[type=file]").first.set_input_files(
        {"name": "paella-receipt.png", "mimeType": "image/png", "buffer": PNG}
    )
    desk.get_by_role("button", name="Save and continue editing").click()

    expect(desk.locator(".messagelist")).to_contain_text("was added successfully")
    expect(desk.locator(".field-status .readonly")).to_have_text("draft")
    expect(desk.locator("#receipts-group")).to_contain_text("paella-receipt.png")
    desk.get_by_role("link", name="Submit", exact=True).click()
    desk.get_by_role("button", name="Submit", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("The expense was submitted for approval.")
    expect(desk.locator(".field-status .readonly")).to_have_text("submitted")
    # Approving and paying are not the organizer's to do: no such buttons for them.
    expect(desk.locator("a.workflow-step")).to_have_count(0)

    # The treasurer, on her own browser, sees the balance before, approves and pays.
    office = new_page()
    sign_in(office, treasurer)
    office.goto(f"/admin/organizers/event/{event_a.pk}/change/")
    expect(office.locator("#workspace-balance .workspace-figure")).to_have_text("€200.00")

    office.goto("/admin/finance/transaction/?status__exact=submitted")
    office.get_by_role("row").filter(has_text="Paella for the crew").get_by_role("link").first.click()
    expect(office.locator(".field-workflow_state")).to_contain_text("0 of 1 approvals.")
    expect(office.locator("#receipts-group").get_by_role("link", name="paella-receipt.png")).to_be_visible()
    office.get_by_role("link", name="Approve", exact=True).click()
    office.get_by_role("button", name="Approve", exact=True).click()
    expect(office.locator(".messagelist")).to_contain_text("Your approval was recorded.")
    expect(office.locator(".field-status .readonly")).to_have_text("approved")
    office.get_by_role("link", name="Mark as paid", exact=True).click()
    office.get_by_role("button", name="Mark as paid", exact=True).click()
    expect(office.locator(".messagelist")).to_contain_text("The expense was marked as paid.")
    expect(office.locator(".field-status .readonly")).to_have_text("paid")

    office.goto(f"/admin/organizers/event/{event_a.pk}/change/")
    expect(office.locator("#workspace-expenses")).to_have_text("−€45.50")
    expect(office.locator("#workspace-balance .workspace-figure")).to_have_text("€154.50")
