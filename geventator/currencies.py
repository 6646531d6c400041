"""ISO 4217 currencies in use today, and their minor units (from the CLDR data in Babel)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_currency_precision, get_territory_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def active_currencies() -> frozenset[str]:
    """Codes that are legal tender somewhere today (excludes retired codes such as DEM)."""
    codes: set[str] = set()
    for territory in Locale("en").territories:
        codes.update(get_territory_currencies(territory, tender=True))
    return frozenset(codes)


def currency_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} – {get_currency_name(code, locale='en')}") for code in sorted(active_currencies())]


def minor_unit(code: str) -> Decimal:
    """The smallest amount of a currency: Decimal("0.01") for EUR, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-get_currency_precision(code))


def quantize(amount: Decimal | int, code: str) -> Decimal:
    return Decimal(amount).quantize(minor_unit(code), rounding=ROUND_HALF_EVEN)


def validate_currency(code: str) -> None:
    if code not in active_currencies():
        raise ValidationError(
            _("%(code)s is not a currency in use (ISO 4217)."), code="unknown_currency", params={"code": code}
        )


def format_money(amount: Decimal, code: str) -> str:
    """E.g. "€1,234.50" in the active language; always rounded to the currency's minor unit."""
    from babel.numbers import format_currency
    from django.utils.translation import get_language, to_locale

    return format_currency(quantize(amount, code), code, locale=to_locale(get_language() or "en"))
