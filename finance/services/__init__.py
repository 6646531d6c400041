"""Finance domain logic that spans models."""

from finance.services.pledges import PledgeReport, pledge_status
from finance.services.summary import CategoryTotals, EventSummary, event_summary

__all__ = ["CategoryTotals", "EventSummary", "PledgeReport", "event_summary", "pledge_status"]
