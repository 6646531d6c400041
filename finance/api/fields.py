"""The API's one way of showing an amount of money."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers


class MoneyField(serializers.DecimalField):
    """A figure the service already quantized to its currency's minor unit, shown as it is: a
    string ("12.50" for EUR, "300" for JPY), never a float and never re-rounded here, so that the
    API shows exactly the figure the ledger's aggregates gave. Read-only: amounts are written
    through the model's own fields, which know their currency."""

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(max_digits=None, decimal_places=None, coerce_to_string=True, **kwargs)

    def to_representation(self, value) -> str:
        if isinstance(value, int):
            value = Decimal(value)  # a sum of nothing, or a whole amount
        if not isinstance(value, Decimal):
            # A float would already have lost cents: that is a bug upstream, not something to show.
            raise TypeError(f"A money figure must be a Decimal, not {type(value).__name__}.")
        return super().to_representation(value)
