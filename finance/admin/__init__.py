"""Admin of the ledger; each module registers the models of one topic."""

from finance.admin import (  # noqa: F401
    accounts,
    budgets,
    ledger,
    parties,
    receipts,
)
