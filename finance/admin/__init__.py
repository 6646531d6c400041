"""Admin of the ledger; each module registers the models of one topic."""

from finance.admin import ledger  # noqa: F401
