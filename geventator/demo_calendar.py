"""When the demo festival takes place: it opens on the day the demo is loaded.

The demo's tables (geventator.demo, finance.demo) are written for a festival opening on
``TABLE_OPENING``; loading moves every date in them by the same number of days, so that the
schedule's "today" has activities in it and the ledger's dates keep their order around the festival
(sales months before, box office on the days, cleaning the day after).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from organizers.models import Event

TABLE_OPENING = date(2027, 6, 11)


def opening_day(timezone_name: str) -> date:
    """Today where the event takes place (not the server's today: the two can differ at night)."""
    return timezone.localdate(timezone=ZoneInfo(timezone_name))


def on_calendar(event: Event, table_day: date) -> date:
    """A date from the demo's tables, moved as the event's opening was."""
    return table_day + (event.start_date - TABLE_OPENING)
