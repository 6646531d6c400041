"""The API shows every money figure one way: the quantized Decimal as a string, never a float."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from finance.api.fields import MoneyField


class Figures(serializers.Serializer):
    amount = MoneyField()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("12.50"), "12.50"), (Decimal("300"), "300"), (Decimal("-0.005"), "-0.005"), (0, "0")],
)
def test_a_figure_is_shown_exactly_as_the_ledger_gave_it(value, shown):
    assert Figures({"amount": value}).data == {"amount": shown}


def test_a_float_is_refused_instead_of_shown_with_lost_cents():
    with pytest.raises(TypeError):
        Figures({"amount": 0.1 + 0.2}).data  # noqa: B018 - rendering is the act under test


def test_a_money_figure_cannot_be_written_through_it():
    figures = Figures(data={"amount": "1000000.00"})

    assert figures.is_valid()
    assert figures.validated_data == {}
