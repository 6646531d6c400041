"""The expense form and the event workspace on a phone (390×844, the size of a common phone): an
organizer can fill the form in and save it, and both pages fit the screen's width."""

from __future__ import annotations

from geventator.tests.browser.fixtures import BROWSER

pytestmark = BROWSER

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
# Rounding of sub-pixel layouts: a page that fits may measure a pixel or two wider.
TOLERANCE = 2


def test_expense_add_form_is_usable_on_a_phone(new_page, sign_in, event_a, organizer):
    from playwright.sync_api import expect

    page = new_page(**PHONE)
    sign_in(page, organizer)
    page.goto("/admin/finance/transaction/add/")
    # Each field the expense needs is on screen when reached and takes the input typed in.
    page.locator(".field-event [role=combobox]").tap()
    page.locator(".select2-search__field").fill("Festival")
    page.locator(".select2-results__option", has_text="Festival A").tap()
    page.get_by_label("Kind:").select_option(label="purchase")
    for label, value in [("Amount:", "12.30"), ("Currency:", "EUR"), ("Date:", "2026-06-12"), ("Description:", "Ice")]:
        field = page.get_by_label(label, exact=True)
        field.scroll_into_view_if_needed()
        expect(field).to_be_in_viewport(ratio=1)  # wholly: not cut off at the screen's edge
        field.fill(value)
    page.get_by_role("button", name="Save", exact=True).tap()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.get_by_role("row").filter(has_text="Ice")).to_contain_text("€12.30")


def test_expense_add_form_fits_a_phone_screen(new_page, sign_in, event_a, organizer):
    page = new_page(**PHONE)
    sign_in(page, organizer)
    page.goto("/admin/finance/transaction/add/")
    page.get_by_label("Description:").wait_for()

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390 + TOLERANCE, f"the page is {width}px wide on a 390px screen: it scrolls sideways"


def test_workspace_fits_a_phone_screen(new_page, sign_in, event_a, organizer):
    from decimal import Decimal

    from playwright.sync_api import expect

    from finance.factories import TransactionFactory
    from finance.models import Kind

    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("1234.56"), description="Tickets")
    page = new_page(**PHONE)
    sign_in(page, organizer)
    page.goto(f"/admin/organizers/event/{event_a.pk}/change/")

    figure = page.locator("#workspace-balance .workspace-figure")
    expect(figure).to_have_text("€1,234.56")
    expect(figure).to_be_in_viewport(ratio=1)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390 + TOLERANCE, f"the workspace is {width}px wide on a 390px screen: it scrolls sideways"
