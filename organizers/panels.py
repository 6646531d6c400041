"""What other apps show on an event's admin page: figures (panels) and one-click links (tools).

The base app owns the event page but knows nothing of the ledger or the timetable: finance and
activities register what they add from their AppConfig.ready(), so organizers imports neither
(the import-linter contract in pyproject.toml keeps it so). A panel or a link that the user may not
use says so by returning nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from organizers.models import Event


@dataclass(frozen=True)
class EventPanel:
    """A block of figures on the event page; ``render`` answers safe HTML, or "" to show nothing."""

    key: str
    title: str | Promise
    render: Callable[[HttpRequest, Event], SafeString | str]
    order: int = 100


@dataclass(frozen=True)
class EventLink:
    """A button in the event page's tools; ``url`` answers the address, or None when not allowed."""

    key: str
    title: str | Promise
    url: Callable[[HttpRequest, Event], str | None]
    order: int = 100


_panels: dict[str, EventPanel] = {}
_links: dict[str, EventLink] = {}


def add_panel(panel: EventPanel) -> None:
    # Keyed, so that a second ready() (tests reloading apps) replaces instead of doubling.
    _panels[panel.key] = panel


def add_link(link: EventLink) -> None:
    _links[link.key] = link


def panels_for(request: HttpRequest, event: Event) -> list[tuple[str | Promise, SafeString | str]]:
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        html = panel.render(request, event)
        if html:
            shown.append((panel.title, html))
    return shown


def links_for(request: HttpRequest, event: Event) -> list[tuple[str | Promise, str]]:
    shown = []
    for link in sorted(_links.values(), key=lambda k: (k.order, k.key)):
        url = link.url(request, event)
        if url:
            shown.append((link.title, url))
    return shown
