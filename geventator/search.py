"""One bound on free-text searches, for the API's ?search= and the admin's ?q=.

Each word of a search becomes an OR over every search field, all of them ANDed: a thousand words
build a query that SQLite refuses to parse ("Expression tree is too large") and that no one needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

MAX_SEARCH_WORDS = 10
MAX_SEARCH_LENGTH = 200


def search_refusal(term: str, words: Sequence[str]) -> str | None:
    """Why the search ``term`` is refused, or None when it is within the bounds. ``words`` is the
    term as the search at hand splits it (the admin keeps a quoted phrase whole, DRF also splits
    on commas)."""
    if len(term) > MAX_SEARCH_LENGTH:
        return _("A search may be at most %(limit)d characters long.") % {"limit": MAX_SEARCH_LENGTH}
    if len(words) > MAX_SEARCH_WORDS:
        return _("A search may have at most %(limit)d words.") % {"limit": MAX_SEARCH_WORDS}
    return None
