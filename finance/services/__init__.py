"""Finance domain logic that spans models."""

from finance.services.summary import CategoryTotals, EventSummary, event_summary

__all__ = ["CategoryTotals", "EventSummary", "event_summary"]
