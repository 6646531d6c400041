"""The event's ledger: where money sits, what moved it, what was planned and promised."""

from finance.models.accounts import (
    Account,
    AccountKind,
    CashCount,
    CountStatus,
    Transfer,
    TransferPurpose,
    TransferStatus,
)
from finance.models.budgets import BudgetLine, Direction
from finance.models.ledger import (
    EXPENSE_KINDS,
    INCOME_KINDS,
    Approval,
    Category,
    Kind,
    Status,
    Transaction,
)
from finance.models.parties import Party, PartyKind, Pledge
from finance.models.receipts import Receipt

# Last: registers the models above with django-simple-history.
from finance.models import history  # noqa: F401  isort: skip

__all__ = [
    "EXPENSE_KINDS",
    "INCOME_KINDS",
    "Account",
    "AccountKind",
    "Approval",
    "BudgetLine",
    "CashCount",
    "Category",
    "CountStatus",
    "Direction",
    "Kind",
    "Party",
    "PartyKind",
    "Pledge",
    "Receipt",
    "Status",
    "Transaction",
    "Transfer",
    "TransferPurpose",
    "TransferStatus",
]
