"""The event workspace in Chromium: reached from the admin index, its balance changes after a
payment, and its charts draw under the strict Content-Security-Policy (no violation reported)."""

from __future__ import annotations

from decimal import Decimal

from geventator.tests.browser.fixtures import BROWSER

pytestmark = BROWSER


def test_workspace_shows_the_balance_and_draws_its_charts_under_the_csp(new_page, sign_in, event_a, treasurer):
    from playwright.sync_api import expect

    from finance.factories import BudgetLineFactory, CategoryFactory, TransactionFactory
    from finance.models import Direction, Kind

    stage = CategoryFactory(event=event_a, name="Stage")
    BudgetLineFactory(event=event_a, category=stage, direction=Direction.EXPENSE, planned=Decimal("300.00"))
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("200.00"), description="Tickets")
    page = new_page()
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    sign_in(page, treasurer)

    page.locator("#workspace-events").get_by_role("link", name="Festival A").click()
    expect(page.locator("#workspace-balance .workspace-figure")).to_have_text("€200.00")
    for chart in ("#workspace-budget-chart", "#workspace-cashflow-chart", "#workspace-income-chart"):
        expect(page.locator(chart)).to_be_visible()  # shown by the script once Chart.js drew it

    TransactionFactory(event=event_a, kind=Kind.PURCHASE, amount=Decimal("45.50"), category=stage)
    page.reload()
    expect(page.locator("#workspace-balance .workspace-figure")).to_have_text("€154.50")
    expect(page.locator("#workspace-expenses")).to_have_text("−€45.50")
    assert refused == []
