"""Field shapes the finance models share."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    from organizers.models import Organizer

# Three decimal places hold every minor unit in use (e.g. KWD); clean() methods refuse more
# precision than the currency has.
MONEY_DIGITS = 15
MONEY_PLACES = 3


def MoneyField(verbose_name, **kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    return models.DecimalField(verbose_name, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def ActorField(verbose_name) -> models.ForeignKey[Organizer | Combinable | None, Organizer | None]:  # noqa: N802 - reads like a field class
    """Who did a step (created, confirmed, paid...): set by the code, never by a form; a person who
    did something in the ledger cannot be deleted (PROTECT)."""
    from django.conf import settings

    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=verbose_name,
    )


def money_precision_error(amount: Decimal | None, currency: str):
    """The error message when amount has more decimals than currency's minor unit, else None."""
    from django.core.exceptions import ValidationError

    from geventator.currencies import minor_unit, validate_currency

    if amount is None or not currency:
        return None
    try:
        validate_currency(currency)
    except ValidationError:  # the currency field reports an unknown code itself
        return None
    unit = minor_unit(currency)
    if amount != amount.quantize(unit):
        return _("%(currency)s amounts have at most %(places)s decimal places.") % {
            "currency": currency,
            "places": -int(unit.as_tuple().exponent),  # a minor unit is finite: its exponent is an int
        }
    return None
