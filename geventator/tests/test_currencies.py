from decimal import Decimal

import pytest

from geventator.currencies import active_currencies, format_money, minor_unit, quantize


def test_active_currencies_hold_current_codes_only():
    assert {"EUR", "USD", "JPY", "KWD"} <= active_currencies()
    assert "DEM" not in active_currencies()


@pytest.mark.parametrize(("code", "unit"), [("EUR", Decimal("0.01")), ("JPY", Decimal("1")), ("KWD", Decimal("0.001"))])
def test_minor_unit_follows_iso_4217(code, unit):
    assert minor_unit(code) == unit


def test_quantize_rounds_half_to_even_at_the_minor_unit():
    assert str(quantize(Decimal("0.125"), "EUR")) == "0.12"
    assert str(quantize(Decimal("0.135"), "EUR")) == "0.14"
    assert str(quantize(Decimal("10.300"), "EUR")) == "10.30"


def test_format_money_shows_the_currency():
    assert format_money(Decimal("1234.5"), "EUR") == "€1,234.50"
