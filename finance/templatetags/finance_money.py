"""``{{ amount|money:currency }}``: an amount as the admin shows money ("€1,234.50")."""

from __future__ import annotations

from decimal import Decimal

from django import template

from geventator.currencies import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_money(amount, currency)
