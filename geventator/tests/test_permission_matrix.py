"""Permission matrix: every URL of the project × role × own/foreign event → the expected status.

The URL list comes from the URL configuration itself (``get_resolver()``): a route that the
EXPECTED table below does not name makes ``test_every_route_has_an_expectation`` fail, so a new
endpoint must be added here with the answers each role should get.

Roles: anonymous, viewer/organizer/treasurer/owner of event A, "outsider" (owner of event B only)
and a superuser. Object routes are asked about an object of event A ("a") and one of event B ("b").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

ROLES = ["anonymous", "viewer", "organizer", "treasurer", "owner", "outsider", "superuser"]
EVENT_ROLES = ["viewer", "organizer", "treasurer", "owner"]
RANK = {role: rank for rank, role in enumerate(EVENT_ROLES)}
SCOPES = ("a", "b")  # the object belongs to event A (the roles' own) or event B (the outsider's)


# --- Expected answers ------------------------------------------------------------------------------
# A policy answers (role, scope) -> status; scope is None for routes without an object.
Policy = Callable[[str, str | None], int]


def role_in(role: str, scope: str | None) -> str | None:
    """The role's role in the object's event (None: no membership there)."""
    if role in EVENT_ROLES:
        return role if scope in (None, "a") else None
    if role == "outsider":
        return "owner" if scope in (None, "b") else None
    return None


def api_list(role, scope):
    return 401 if role == "anonymous" else 200


def api_create(minimum: str) -> Policy:
    # An empty body: a role allowed to add somewhere gets to validation (400), others 403.
    def policy(role, scope):
        if role == "anonymous":
            return 401
        if role in {"superuser", "outsider"} or RANK[role] >= RANK[minimum]:
            return 400
        return 403

    return policy


def api_object(minimum: str | None, allowed: int) -> Policy:
    """Read (minimum None) or write an object: 404 outside one's events, 403 below the role."""

    def policy(role, scope):
        if role == "anonymous":
            return 401
        if role == "superuser":
            return allowed
        held = role_in(role, scope)
        if held is None:
            return 404
        return allowed if minimum is None or RANK[held] >= RANK[minimum] else 403

    return policy


def anyone(status: int) -> Policy:
    return lambda role, scope: status


def signed_in(status: int, anonymous: int = 401) -> Policy:
    return lambda role, scope: anonymous if role == "anonymous" else status


def own_token(allowed: int, others: int = 404, anonymous: int = 401) -> Policy:
    """A token of the viewer: theirs alone (the API hides it from everyone else, superusers included)."""
    return lambda role, scope: anonymous if role == "anonymous" else (allowed if role == "viewer" else others)


def superuser_only(status: int = 200) -> Policy:
    return lambda role, scope: 302 if role == "anonymous" else (status if role == "superuser" else 403)


def in_event_a(policy: Policy) -> Policy:
    """For routes that name event A in their query or body rather than in the URL."""
    return lambda role, scope: policy(role, "a")


def admin_page(minimum: str | None, allowed: int = 200, denied: int = 403, hidden: int = 302) -> Policy:
    """The admin: anonymous users go to the login page (302). A role too low for the action in all of
    its events is refused (403, before the object is looked up); an object of an event the user is
    not in is hidden like a missing one (back to the index: 302)."""

    def policy(role, scope):
        if role == "anonymous":
            return 302
        if role == "superuser":
            return allowed
        best = role_in(role, None)  # the role held in the user's own event
        if minimum is not None and RANK[best] < RANK[minimum]:
            return denied
        if scope is not None and role_in(role, scope) is None:
            return hidden
        return allowed

    return policy


@dataclass(frozen=True)
class Case:
    policy: Policy
    method: str = "get"
    target: str | None = None  # which object fills the route's arguments (see Objects.kwargs)
    data: dict | None = None
    format: str = "json"


E = Case  # short alias for the table

API_MODELS = {
    # URL basename: (object name, add, change, delete)
    "event": ("event", None, "owner", "owner"),
    "membership": ("membership", "owner", "owner", "owner"),
    "category": ("category", "treasurer", "treasurer", "treasurer"),
    "transaction": ("transaction", "organizer", "treasurer", "treasurer"),
    "account": ("account", "treasurer", "treasurer", "treasurer"),
    "transfer": ("transfer", "organizer", "treasurer", "treasurer"),
    "cashcount": ("cashcount", "organizer", "treasurer", "treasurer"),
    "budgetline": ("budgetline", "treasurer", "treasurer", "treasurer"),
    "location": ("location", "organizer", "organizer", "organizer"),
    "activity": ("activity", "organizer", "organizer", "organizer"),
    "party": ("party", "organizer", "organizer", "treasurer"),
    "pledge": ("pledge", "organizer", "treasurer", "treasurer"),
}
# API resources whose records keep a change history (organizers/history.py): GET {id}/history/ for
# any member of the record's event.
API_HISTORY = {
    "category",
    "transaction",
    "account",
    "transfer",
    "cashcount",
    "budgetline",
    "party",
    "pledge",
    "receipt",
}
ADMIN_MODELS = {
    # admin model: (object name, view, add, change, delete)
    "organizers_event": ("event", "viewer", None, "owner", "owner"),  # anyone signed in may start an event
    "organizers_membership": ("membership", "viewer", "owner", "owner", "owner"),
    "finance_category": ("category", "viewer", "treasurer", "treasurer", "treasurer"),
    "finance_transaction": ("transaction", "viewer", "organizer", "treasurer", "treasurer"),
    "finance_account": ("account", "viewer", "treasurer", "treasurer", "treasurer"),
    "finance_transfer": ("transfer", "viewer", "organizer", "treasurer", "treasurer"),
    "finance_cashcount": ("cashcount", "viewer", "organizer", "treasurer", "treasurer"),
    "finance_budgetline": ("budgetline", "viewer", "treasurer", "treasurer", "treasurer"),
    "activities_location": ("location", "viewer", "organizer", "organizer", "organizer"),
    "activities_activity": ("activity", "viewer", "organizer", "organizer", "organizer"),
    "finance_party": ("party", "viewer", "organizer", "organizer", "treasurer"),
    "finance_pledge": ("pledge", "viewer", "organizer", "treasurer", "treasurer"),
    # Receipts are never edited: their change page is read-only for everyone (finance/tests/test_receipts.py).
    "finance_receipt": ("receipt", "viewer", "organizer", None, "treasurer"),
}
SUPERUSER_ADMIN = {
    "auth_group": "group",
    "organizers_organizer": "user",
    "axes_accessattempt": "access_attempt",
    "axes_accesslog": "access_log",
    "axes_accessfailurelog": "access_failure_log",
    # The task queue's results (django-tasks-db's own admin: read-only, nobody adds or deletes).
    "django_tasks_database_dbtaskresult": "task_result",
}


def _expected() -> dict[str, list[Case]]:
    table: dict[str, list[Case]] = {
        # --- Public and site-wide routes
        "healthz": [E(anyone(200))],
        "<root redirect>": [E(anyone(302))],
        "calendar-event": [E(anyone(200), target="event_slug")],
        "calendar-organizer": [E(anyone(200), target="calendar_token")],
        "calendar-mine": [E(signed_in(200, anonymous=302))],
        # Django's language switcher: sets a cookie for anyone and sends them back (here to "/").
        "set_language": [E(anyone(302), method="post", data={"language": "es"})],
        # --- API outside the router
        "api-root": [E(signed_in(200))],
        # The schema and its viewer hold no data: public, as drf-spectacular serves them by default.
        "api-schema": [E(anyone(200))],
        "api-docs": [E(anyone(200))],
        "api-token": [E(anyone(400), method="post", data={})],
        # One's own API tokens (organizers/tests/test_tokens.py, test_token_scopes.py).
        "apitoken-list": [E(signed_in(200)), E(signed_in(201), method="post", data={"name": "Matrix"})],
        "apitoken-detail": [
            E(own_token(200), target="viewer_api_token"),
            E(own_token(204), method="delete", target="fresh_api_token"),
        ],
        "admin:organizers_apitoken_changelist": [E(signed_in(200, anonymous=302))],
        # Everyone makes their own, within their own events.
        "admin:organizers_apitoken_add": [E(signed_in(200, anonymous=302))],
        # Another user's token is hidden like a missing one (back to the index); superusers see all.
        **{
            f"admin:organizers_apitoken_{action}": [
                E(
                    lambda role, scope: 200 if role == "superuser" else own_token(200, 302, 302)(role, scope),
                    target="viewer_api_token",
                )
            ]
            for action in ("change", "history", "delete")
        },
        "calendar-feed": [E(signed_in(200))],
        "calendar-regenerate": [E(signed_in(200), method="post")],
        "activity-export": [E(in_event_a(api_object(None, 200)), data={"event": "<event_a>"})],
        "activity-import": [
            E(
                in_event_a(api_object("organizer", 200)),
                method="post",
                data={"event": "<event_a>", "file": "<csv>"},
                format="multipart",
            )
        ],
        "event-conflicts": [E(api_object(None, 200), target="event")],
        "event-schedule": [E(api_object(None, 200), target="event")],
        "event-summary": [E(api_object(None, 200), target="event")],
        # --- Finance: pledges and receipts (finance/tests/test_parties.py, test_receipts.py)
        "event-pledges": [E(api_object(None, 200), target="event")],
        "receipt-list": [
            E(api_list),
            E(api_create("organizer"), method="post", data={}, format="multipart"),
        ],
        "receipt-detail": [
            E(api_object(None, 200), target="receipt"),
            # No edits: delete the receipt and upload the right file.
            E(signed_in(405), method="patch", target="receipt", data={}),
            E(api_object("treasurer", 204), method="delete", target="fresh_receipt"),
        ],
        "receipt-history": [E(api_object(None, 200), target="receipt")],
        # The file itself: members of its event only (an API view: token or session).
        "receipt-download": [E(api_object(None, 200), target="receipt")],
        "event-history": [E(api_object(None, 200), target="event")],
        "event-archive": [E(api_object("owner", 200), method="post", target="fresh_event")],
        "event-unarchive": [E(api_object("owner", 200), method="post", target="fresh_event")],
        # --- Finance: transfers, cash counts, balances, settling up, closing the books (finance/tests/
        # test_transfers.py, test_custody.py, test_accounts.py, test_settle.py, test_closing.py). The
        # fresh transfer and count are between / on accounts without a holder: treasurers confirm them.
        "transfer-confirm-sent": [E(api_object("treasurer", 200), method="post", target="fresh_transfer")],
        "transfer-confirm-received": [E(api_object("treasurer", 200), method="post", target="fresh_transfer")],
        "transfer-cancel": [E(api_object("treasurer", 200), method="post", target="fresh_transfer")],
        "cashcount-confirm": [E(api_object("treasurer", 200), method="post", target="fresh_cashcount", data={})],
        "cashcount-dismiss": [E(api_object("treasurer", 200), method="post", target="fresh_cashcount")],
        "event-balances": [E(api_object(None, 200), target="event")],
        # --- Finance: the expense workflow and budgets (finance/tests/test_approvals.py,
        # test_budgets.py). Each case gets a fresh expense in the state the step starts from,
        # recorded by nobody of the personas (no one approves their own).
        "transaction-submit": [E(api_object("organizer", 200), method="post", target="fresh_transaction")],
        "transaction-approve": [
            E(api_object("treasurer", 200), method="post", target="fresh_submitted_expense", data={})
        ],
        "transaction-reject": [
            E(api_object("treasurer", 200), method="post", target="fresh_submitted_expense", data={"reason": "No"})
        ],
        "transaction-pay": [E(api_object("treasurer", 200), method="post", target="fresh_approved_expense")],
        "transaction-reverse": [
            E(api_object("treasurer", 201), method="post", target="fresh_paid_expense", data={"reason": "Twice"})
        ],
        "event-budget": [E(api_object(None, 200), target="event")],
        "admin:finance_transaction_submit": [E(admin_page("organizer"), target="transaction")],
        "admin:finance_transaction_approve": [E(admin_page("treasurer"), target="transaction")],
        "admin:finance_transaction_reject": [E(admin_page("treasurer"), target="transaction")],
        "admin:finance_transaction_pay": [E(admin_page("treasurer"), target="transaction")],
        "admin:finance_transaction_reverse": [E(admin_page("treasurer"), target="transaction")],
        "admin:finance_budgetline_report": [E(admin_page("viewer", denied=404, hidden=404), target="event_id")],
        "event-settle-up": [
            E(api_object(None, 200), target="event"),
            # An empty body: treasurers get to validation (400), lower roles are refused first.
            E(api_object("treasurer", 400), method="post", target="event", data={}),
        ],
        "event-close-books": [
            E(api_object(None, 200), target="event"),
            E(api_object("owner", 200), method="post", target="fresh_event"),
        ],
        "event-reopen-books": [E(api_object("owner", 200), method="post", target="fresh_closed_event")],
        "admin:finance_account_settle_up": [E(admin_page("viewer", denied=404, hidden=404), target="event_id")],
        "admin:finance_account_close_books": [E(admin_page("viewer", denied=404, hidden=404), target="event_id")],
        # --- Admin site-wide pages
        "admin:index": [E(signed_in(200, anonymous=302))],
        # Signed-in users are sent on to the index.
        "admin:login": [E(lambda role, scope: 200 if role == "anonymous" else 302)],
        "admin:logout": [E(lambda role, scope: 302 if role == "anonymous" else 200, method="post")],
        "admin:password_change": [E(signed_in(200, anonymous=302))],
        "admin:password_change_done": [E(signed_in(200, anonymous=302))],
        "admin:jsi18n": [E(signed_in(200, anonymous=302))],
        "admin:autocomplete": [E(signed_in(403, anonymous=302))],
        # Events have no page outside the admin: nothing to redirect to.
        "admin:view_on_site": [E(signed_in(404, anonymous=302), target="event_on_site")],
        "admin:app_list": [E(signed_in(200, anonymous=302), target="app_finance")],
        "admin:<catch all>": [E(signed_in(404, anonymous=302), target="catch_all")],
        "admin:<object redirect>": [E(anyone(302), target="object_redirect")],
        "admin:auth_user_password_change": [E(superuser_only(), target="user")],
        "admin:activities_activity_timetable": [E(admin_page("viewer", denied=404, hidden=404), target="event_id")],
        "admin:activities_activity_import": [E(admin_page("organizer"))],
        # Only a POST (the confirmation of an import) is served; its permissions: activities/tests.
        "admin:activities_activity_process_import": [E(signed_in(405, anonymous=302))],
        "admin:activities_activity_export": [E(admin_page("viewer"))],
        # --- Finance: an event's transactions as files, and its report (finance/tests/test_ledger_files.py,
        # test_reports.py)
        "transaction-export": [E(in_event_a(api_object(None, 200)), data={"event": "<event_a>"})],
        "transaction-import": [
            E(
                in_event_a(api_object("organizer", 200)),
                method="post",
                data={"event": "<event_a>", "file": "<transactions_csv>"},
                format="multipart",
            )
        ],
        "event-report": [E(api_object(None, 200), target="event")],
        "admin:finance_transaction_report": [E(admin_page("viewer", denied=404, hidden=404), target="event_id")],
        "admin:finance_transaction_export": [E(admin_page("viewer", denied=404, hidden=404), target="event_id")],
        "admin:finance_transaction_import": [E(admin_page("organizer", hidden=404), target="event_id")],
    }
    for basename, (obj, add, change, delete) in API_MODELS.items():
        table[f"{basename}-list"] = [
            E(api_list),
            E(api_create(add) if add else signed_in(400), method="post", data={}),
        ]
        table[f"{basename}-detail"] = [
            E(api_object(None, 200), target=obj),
            E(api_object(change, 200), method="patch", target=obj, data={}),
            E(api_object(delete, 204), method="delete", target=f"fresh_{obj}"),
        ]
        if basename in API_HISTORY:
            table[f"{basename}-history"] = [E(api_object(None, 200), target=obj)]
    # Bulk creation asks the same role as one creation; an empty body is refused (400) after it.
    for basename in ("transaction", "activity"):
        table[f"{basename}-bulk"] = [E(api_create(API_MODELS[basename][1]), method="post", data={})]
    # Approved and paid entries are locked: 409 to whoever could change them were they not.
    table["transaction-detail"].append(E(api_object("treasurer", 409), method="patch", target="paid_expense", data={}))
    for prefix, (obj, view, add, _change, delete) in ADMIN_MODELS.items():
        table[f"admin:{prefix}_changelist"] = [E(admin_page(view))]
        table[f"admin:{prefix}_add"] = [E(admin_page(add))]
        table[f"admin:{prefix}_change"] = [E(admin_page(view), target=obj)]
        table[f"admin:{prefix}_history"] = [E(admin_page(view), target=obj)]
        table[f"admin:{prefix}_delete"] = [E(admin_page(delete), target=obj)]
    for prefix, obj in SUPERUSER_ADMIN.items():
        table[f"admin:{prefix}_changelist"] = [E(superuser_only())]
        table[f"admin:{prefix}_add"] = [E(superuser_only())]
        for action in ("change", "history", "delete"):
            table[f"admin:{prefix}_{action}"] = [E(superuser_only(), target=obj)]
    # Login records are written by django-axes only.
    for prefix in ("axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"):
        table[f"admin:{prefix}_add"] = [E(superuser_only(403))]
    table["admin:django_tasks_database_dbtaskresult_add"] = [E(superuser_only(403))]
    table["admin:django_tasks_database_dbtaskresult_delete"] = [E(superuser_only(403), target="task_result")]

    # Organizers may delete their own draft expenses, so the page is not refused before the lookup:
    # this draft is not theirs (403), and event B's is hidden from them (302).
    def transaction_delete_page(role, scope):
        if role == "organizer":
            return 403 if scope == "a" else 302
        return admin_page("treasurer")(role, scope)

    table["admin:finance_transaction_delete"] = [E(transaction_delete_page, target="transaction")]

    # Event members may look each other up (autocomplete) but not open each other's account page;
    # to the outsider the viewer of event A is hidden (back to the index).
    def account_page(role, scope):
        return {"anonymous": 302, "outsider": 302, "superuser": 200}.get(role, 403)

    table["admin:organizers_organizer_change"] = [E(account_page, target="user")]
    table["admin:organizers_organizer_history"] = [E(account_page, target="user")]
    return table


EXPECTED = _expected()


# --- Routes of the URL configuration ------------------------------------------------------------------


def route_keys(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, str]]:
    """(key, route) of every URL pattern: its namespaced name, or a label for the unnamed ones."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from route_keys(pattern, inner)
            continue
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if pattern.name:
            yield f"{namespace}{pattern.name}", route
        elif route == "":
            yield "<root redirect>", route
        elif "catch_all" in getattr(pattern.callback, "__name__", ""):
            yield f"{namespace}<catch all>", route
        elif route.endswith("<path:object_id>/"):
            yield f"{namespace}<object redirect>", route
        else:
            yield f"{namespace}<unnamed {route}>", route


def test_every_route_has_an_expectation(record_property):
    routes = list(route_keys())
    missing = sorted({key for key, _route in routes if key not in EXPECTED})
    stale = sorted(set(EXPECTED) - {key for key, _route in routes})

    assert not missing, f"Routes without an expected status per role (add them to EXPECTED): {missing}"
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"
    # Figures for the summary line (this folder's conftest.py prints them at the end of the run).
    record_property("permission_routes", len(routes))


# --- The objects each case asks about -----------------------------------------------------------------


class Objects:
    """Event A with its four roles, event B owned by the outsider, a superuser, and one object of each
    kind in each event."""

    def __init__(self) -> None:
        from activities.factories import ActivityFactory, LocationFactory
        from activities.models import CalendarToken
        from finance.factories import (
            AccountFactory,
            BudgetLineFactory,
            CategoryFactory,
            PartyFactory,
            PledgeFactory,
            ReceiptFactory,
            TransactionFactory,
            TransferFactory,
        )
        from finance.models import CashCount
        from organizers.factories import EventFactory, MembershipFactory, OrganizerFactory

        self.events = {
            "a": EventFactory(name="Festival A", slug="festival-a"),
            "b": EventFactory(name="Congress B", slug="congress-b", currency="USD", timezone="America/New_York"),
        }
        self.users: dict[str, object] = {"anonymous": None}
        for role in EVENT_ROLES:
            self.users[role] = MembershipFactory(
                event=self.events["a"], organizer=OrganizerFactory(username=f"{role}_a"), role=role
            ).organizer
        self.users["outsider"] = MembershipFactory(
            event=self.events["b"], organizer=OrganizerFactory(username="outsider_b"), role="owner"
        ).organizer
        self.users["superuser"] = OrganizerFactory(username="root", is_superuser=True)
        self.factories = {
            "membership": lambda event: MembershipFactory(event=event, role="viewer"),
            "category": lambda event: CategoryFactory(event=event),
            # A draft expense: approved and paid ones are locked (the *_expense ones below).
            "transaction": lambda event: TransactionFactory(event=event, currency=event.currency, status="draft"),
            "submitted_expense": lambda event: TransactionFactory(event=event, status="submitted"),
            "approved_expense": lambda event: TransactionFactory(event=event, status="approved"),
            "paid_expense": lambda event: TransactionFactory(event=event, status="paid"),
            "budgetline": lambda event: BudgetLineFactory(event=event),
            "account": lambda event: AccountFactory(event=event),
            "transfer": lambda event: TransferFactory(event=event),
            "cashcount": lambda event: CashCount.objects.create(
                event=event, account=AccountFactory(event=event), counted_at=timezone.now(), counted_amount=0
            ),
            "closed_event": lambda event: self._closed_event(event),
            "location": lambda event: LocationFactory(event=event),
            "activity": lambda event: ActivityFactory(event=event),
            "party": lambda event: PartyFactory(event=event),
            "pledge": lambda event: PledgeFactory(event=event),
            "receipt": lambda event: ReceiptFactory(transaction=TransactionFactory(event=event, status="draft")),
            "event": lambda event: self._member_event(event),
            "api_token": lambda event: self._viewer_token(),
        }
        self.objects = {
            (name, scope): make(self.events[scope]) if name != "event" else self.events[scope]
            for name, make in self.factories.items()
            for scope in SCOPES
        }
        self.calendar_token = CalendarToken.objects.create(organizer=self.users["viewer"])

    def _viewer_token(self):
        from organizers.tokens import issue_token

        return issue_token(self.users["viewer"], "matrix")[0]

    def _closed_event(self, like):
        """A new event like ``like`` whose books are closed."""
        event = self._member_event(like)
        event.closed_at = timezone.now()
        event.save()
        return event

    def _member_event(self, like):
        """A new event with the same members as ``like`` (a fresh one to delete)."""
        from organizers.factories import EventFactory, MembershipFactory
        from organizers.models import Membership

        event = EventFactory()
        for membership in Membership.objects.filter(event=like):
            MembershipFactory(event=event, organizer_id=membership.organizer_id, role=membership.role)
        return event

    @cached_property
    def superuser_objects(self) -> dict[str, object]:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from django.contrib.auth.models import Group

        from geventator.tasks import ping
        from organizers.tokens import issue_token

        seen = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "viewer_a", "http_accept": "*/*"}
        return {
            "user": self.users["viewer"].pk,
            "group": Group.objects.create(name="auditors").pk,
            "viewer_api_token": issue_token(self.users["viewer"], "matrix")[0].pk,
            "access_attempt": AccessAttempt.objects.create(
                **seen, path_info="/admin/login/", get_data="", post_data="", failures_since_start=1
            ).pk,
            "access_log": AccessLog.objects.create(**seen, path_info="/admin/login/").pk,
            "access_failure_log": AccessFailureLog.objects.create(**seen, path_info="/admin/login/").pk,
            "task_result": ping.enqueue("matrix").id,
        }

    def url(self, key: str, target: str | None, scope: str | None) -> str:
        """The URL that asks ``key`` about the target object of event ``scope``."""
        event = self.events[scope or "a"]
        if key == "<root redirect>":
            return "/"
        if key == "admin:<catch all>":
            return "/admin/no/such/page/"
        if key == "admin:<object redirect>":
            return f"/admin/organizers/event/{event.pk}/"
        if target is None:
            return reverse(key)
        if target == "event_slug":
            return reverse(key, kwargs={"slug": event.slug})
        if target == "calendar_token":
            return reverse(key, kwargs={"token": self.calendar_token.token})
        if target == "event_id":
            return reverse(key, kwargs={"event_id": event.pk})
        if target == "event_on_site":
            content_type = ContentType.objects.get_for_model(event)
            return reverse(key, kwargs={"content_type_id": content_type.pk, "object_id": event.pk})
        if target == "app_finance":
            return reverse(key, kwargs={"app_label": "finance"})
        if target.startswith("fresh_"):
            pk = self.factories[target.removeprefix("fresh_")](event).pk
        elif target in self.factories:
            pk = self.objects[(target, scope)].pk
        else:
            pk = self.superuser_objects[target]
        if key == "admin:auth_user_password_change":
            return reverse(key, kwargs={"id": pk})
        return reverse(key, kwargs={"object_id": pk} if key.startswith("admin:") else {"pk": pk})


SCOPED_TARGETS = {"event_id", "event_on_site", "object_redirect", *API_MODELS, *(f"fresh_{m}" for m in API_MODELS)}
SCOPED_TARGETS |= {obj for obj, *_rest in ADMIN_MODELS.values()}
SCOPED_TARGETS |= {"fresh_closed_event"}
SCOPED_TARGETS |= {"fresh_receipt"}
SCOPED_TARGETS |= {"paid_expense", *(f"fresh_{state}_expense" for state in ("submitted", "approved", "paid"))}


def group_of(key: str) -> str:
    """Routes asked in one test, on one set of objects (few tests: building the objects and signing
    in seven users costs more than a request, on MongoDB most of all)."""
    if key.startswith("admin:"):
        for prefix in ADMIN_MODELS:
            if key.startswith(f"admin:{prefix}_"):
                return "admin: event records"
        for prefix in SUPERUSER_ADMIN:
            if key.startswith(f"admin:{prefix}_"):
                return "admin: accounts and login records"
        return "admin: site pages"
    basename = key.split("-")[0]
    return f"api: {basename}" if basename in API_MODELS else "site and api: other routes"


GROUPS = sorted({group_of(key) for key in EXPECTED})


def _client(objects: Objects, role: str):
    from rest_framework.test import APIClient

    client = APIClient()
    user = objects.users[role]
    if user is not None:
        client.force_login(user)
    return client


def _one_activity_csv() -> bytes:
    from activities import transfer

    row = {"event": "festival-a", "title": "Talk", "start": "2026-06-12T10:00", "end": "2026-06-12T11:00"}
    header = ",".join(transfer.COLUMNS)
    return f"{header}\n{','.join(row.get(column, '') for column in transfer.COLUMNS)}\n".encode()


def _body(data: dict | None, objects: Objects) -> dict | None:
    if data is None:
        return None
    from django.core.files.uploadedfile import SimpleUploadedFile

    placeholders = {
        "<event_a>": lambda: str(objects.events["a"].pk),
        "<csv>": lambda: SimpleUploadedFile("activities.csv", _one_activity_csv(), content_type="text/csv"),
        "<transactions_csv>": lambda: SimpleUploadedFile(
            "transactions.csv", b"date,kind,description,amount\n2026-06-12,purchase,Ice,5.00\n", content_type="text/csv"
        ),
    }
    return {key: placeholders[value]() if value in placeholders else value for key, value in data.items()}


@pytest.fixture(autouse=True)
def _receipt_files_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.django_db
@pytest.mark.parametrize("group", GROUPS)
def test_each_role_gets_the_expected_status(group, record_property):
    objects = Objects()
    clients = {role: _client(objects, role) for role in ROLES}
    mismatches, cases = [], 0
    keys, roles = set(), set()

    for key, expected_cases in EXPECTED.items():
        if group_of(key) != group:
            continue
        for case in expected_cases:
            scopes = SCOPES if case.target in SCOPED_TARGETS else (None,)
            for scope in scopes:
                for role in ROLES:
                    url = objects.url(key, case.target, scope)
                    request = getattr(clients[role], case.method)
                    body = _body(case.data, objects)
                    response = request(url, body) if case.method == "get" else request(url, body, format=case.format)
                    if key == "admin:logout":  # sign in again for the routes after this one
                        clients[role] = _client(objects, role)
                    expected = case.policy(role, scope)
                    cases += 1
                    keys.add(key)
                    roles.add(role)
                    if response.status_code != expected:
                        where = f" ({'own' if scope == 'a' else 'foreign'} event {scope.upper()})" if scope else ""
                        mismatches.append(
                            f"{case.method.upper()} {url} [{key}] as {role}{where}: "
                            f"{response.status_code}, expected {expected}"
                        )
    record_property("permission_matrix", {"keys": sorted(keys), "roles": sorted(roles), "cases": cases})

    assert cases, f"no case in group {group}"
    assert not mismatches, "\n".join(mismatches)
