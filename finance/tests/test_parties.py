"""Sponsors, donors and pledges: what came in, what is outstanding, what is late; API and admin."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.factories import PartyFactory, PledgeFactory, TransactionFactory
from finance.models import Kind, Party, PartyKind, Pledge, Transaction
from finance.services.pledges import figures_for, pledge_status
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role
from organizers.tests.admin_support import admin_url, assert_changelist_scoped, form_errors

pytestmark = pytest.mark.django_db

PARTIES = "/api/parties/"
PLEDGES = "/api/pledges/"
LONG_AGO = date(2020, 1, 1)
FAR_AHEAD = date(2100, 1, 1)


def report_url(event) -> str:
    return f"/api/events/{event.pk}/pledges/"


def income(pledge, amount: str, kind=Kind.SPONSORSHIP, **extra) -> Transaction:
    return TransactionFactory.create(event=pledge.event, kind=kind, amount=Decimal(amount), pledge=pledge, **extra)


@pytest.fixture
def sponsors(event_a, event_b):
    """Event A: Acme pledged 1000 (480 came in, one payment in USD), Beta 500 (600 came in, late
    anyway: overpaid), Casa 300 (nothing yet, due long ago). Event B: its own pledge."""
    acme = PledgeFactory(
        event=event_a,
        party=PartyFactory(event=event_a, name="Acme"),
        amount=Decimal("1000.00"),
        tier="gold",
        due_date=date(2026, 6, 1),
    )
    income(acme, "300.00")
    income(acme, "200.00", currency="USD", exchange_rate=Decimal("0.9"))  # 180.00 EUR
    beta = PledgeFactory(
        event=event_a,
        party=PartyFactory(event=event_a, name="Beta", kind=PartyKind.DONOR),
        kind=Pledge.Kind.DONATION,
        amount=Decimal("500.00"),
        due_date=LONG_AGO,
    )
    income(beta, "600.00", kind=Kind.DONATION)
    casa = PledgeFactory(
        event=event_a, party=PartyFactory(event=event_a, name="Casa"), amount=Decimal("300.00"), due_date=LONG_AGO
    )
    # Income of the event that fulfils no pledge does not count for any.
    TransactionFactory(event=event_a, kind=Kind.SPONSORSHIP, amount=Decimal("999.00"))
    theirs = PledgeFactory(event=event_b, party=PartyFactory(event=event_b, name="Zeta"), amount=Decimal("50.00"))
    income(theirs, "10.00")
    return {"acme": acme, "beta": beta, "casa": casa, "theirs": theirs}


# --- The service ----------------------------------------------------------------------------------


def test_pledge_status_adds_up_received_outstanding_and_overdue(event_a, sponsors):
    report = pledge_status(event_a, today=date(2026, 6, 2))

    lines = {line.party: line for line in report.lines}
    assert [line.party for line in report.lines] == ["Beta", "Casa", "Acme"]  # by due date
    acme, beta, casa = lines["Acme"], lines["Beta"], lines["Casa"]
    assert (acme.amount, acme.received, acme.outstanding, acme.overpaid, acme.overdue) == (
        Decimal("1000.00"), Decimal("480.00"), Decimal("520.00"), Decimal("0.00"), True,
    )  # fmt: skip
    assert (beta.received, beta.outstanding, beta.overpaid, beta.overdue) == (
        Decimal("600.00"), Decimal("0.00"), Decimal("100.00"), False,
    )  # fmt: skip
    assert (casa.received, casa.outstanding, casa.overdue) == (Decimal("0.00"), Decimal("300.00"), True)
    totals = report.totals
    assert (totals.pledged, totals.received, totals.outstanding, totals.overpaid) == (
        Decimal("1800.00"), Decimal("1080.00"), Decimal("820.00"), Decimal("100.00"),
    )  # fmt: skip
    assert (totals.overdue, totals.overdue_count) == (Decimal("820.00"), 2)


def test_a_pledge_due_today_is_not_overdue_yet(event_a, sponsors):
    report = pledge_status(event_a, today=date(2026, 6, 1))

    assert {line.party: line.overdue for line in report.lines}["Acme"] is False


def test_a_reversed_payment_no_longer_counts_as_received(event_a, sponsors):
    acme = sponsors["acme"]
    payment = acme.transactions.get(currency="EUR")
    income(acme, "-300.00", reversal_of=payment)

    line = next(line for line in pledge_status(event_a).lines if line.pledge_id == acme.pk)

    assert (line.received, line.outstanding) == (Decimal("180.00"), Decimal("820.00"))


def test_overdue_is_judged_by_each_events_own_date(event_a, event_b):
    # 23:30 UTC on 1 June: already 2 June in Madrid, still 1 June in New York.
    now = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    madrid = PledgeFactory(event=event_a, due_date=date(2026, 6, 1))
    new_york = PledgeFactory(event=event_b, due_date=date(2026, 6, 1))

    figures = figures_for(Pledge.objects.select_related("event"), now=now)

    assert (figures[madrid.pk].overdue, figures[new_york.pk].overdue) == (True, False)


def test_pledge_status_costs_two_queries_whatever_the_number_of_pledges(event_a, sponsors, django_assert_num_queries):
    for _n in range(5):
        income(PledgeFactory(event=event_a), "1.00")

    with django_assert_num_queries(2):
        report = pledge_status(event_a)

    assert len(report.lines) == 8


def test_pledge_status_of_an_event_without_pledges_is_zero(event_a):
    report = pledge_status(event_a)

    assert report.lines == []
    assert (report.totals.pledged, report.totals.overdue, report.totals.overdue_count) == (
        Decimal("0.00"),
        Decimal("0.00"),
        0,
    )


# --- API: parties ---------------------------------------------------------------------------------

PARTY_ROLES = {
    "viewer": {"list": 200, "create": 403, "update": 403, "delete": 403},
    "organizer": {"list": 200, "create": 201, "update": 200, "delete": 403},
    "treasurer": {"list": 200, "create": 201, "update": 200, "delete": 204},
    "owner": {"list": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(PARTY_ROLES))
def test_each_role_may_do_what_its_rank_allows_on_parties(request, api, event_a, role):
    existing = PartyFactory(event=event_a, name="Acme")
    api.as_user(request.getfixturevalue(role))
    detail = f"{PARTIES}{existing.pk}/"

    statuses = {
        "list": api.get(PARTIES).status_code,
        "create": api.post(PARTIES, {"event": str(event_a.pk), "kind": "donor", "name": "Ana"}).status_code,
        "update": api.patch(detail, {"contact_name": "Rosa"}).status_code,
        "delete": api.delete(detail).status_code,
    }

    assert statuses == PARTY_ROLES[role]
    assert Party.objects.filter(name="Ana").exists() is (role != "viewer")
    assert Party.objects.filter(pk=existing.pk).exists() is (role in {"viewer", "organizer"})


def test_parties_list_only_the_users_events_and_filter_by_kind(api, viewer, event_a, event_b):
    PartyFactory(event=event_a, name="Acme", kind=PartyKind.SPONSOR)
    PartyFactory(event=event_a, name="Ana", kind=PartyKind.DONOR, email="ana@example.org")
    PartyFactory(event=event_b, name="Zeta", kind=PartyKind.SPONSOR)
    api.as_user(viewer)

    def names(params=None) -> list[str]:
        return [row["name"] for row in api.get(PARTIES, params or {}).json()["results"]]

    assert names() == ["Acme", "Ana"]
    assert names({"kind": "donor"}) == ["Ana"]
    assert names({"search": "ana@"}) == ["Ana"]
    assert api.get(PARTIES, {"kind": "friend"}).status_code == 400


def test_party_names_are_unique_per_event(api, organizer, event_a):
    PartyFactory(event=event_a, name="Acme")

    response = api.as_user(organizer).post(
        PARTIES, {"event": str(event_a.pk), "kind": "sponsor", "name": "Acme"}, format="json"
    )

    assert response.status_code == 400
    assert Party.objects.filter(name="Acme").count() == 1


def test_a_party_with_pledges_cannot_be_deleted(api, treasurer, event_a):
    pledge = PledgeFactory(event=event_a)

    response = api.as_user(treasurer).delete(f"{PARTIES}{pledge.party_id}/")

    assert response.status_code == 409
    assert Party.objects.filter(pk=pledge.party_id).exists()


def test_a_pledge_with_payments_cannot_be_deleted(api, treasurer, sponsors):
    response = api.as_user(treasurer).delete(f"{PLEDGES}{sponsors['acme'].pk}/")

    assert response.status_code == 409
    assert Pledge.objects.filter(pk=sponsors["acme"].pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_events_party_is_not_found(api, owner, event_b, method):
    theirs = PartyFactory(event=event_b, name="Zeta")

    response = getattr(api.as_user(owner), method)(f"{PARTIES}{theirs.pk}/", {"name": "Mine"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Zeta"


# --- API: pledges ---------------------------------------------------------------------------------


def pledge_payload(event, party, **changes) -> dict:
    return {"event": str(event.pk), "party": str(party.pk), "kind": "sponsorship", "amount": "750", **changes}


PLEDGE_ROLES = {
    "viewer": {"create": 403, "update": 403, "delete": 403},
    "organizer": {"create": 201, "update": 403, "delete": 403},
    "treasurer": {"create": 201, "update": 200, "delete": 204},
    "owner": {"create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(PLEDGE_ROLES))
def test_each_role_may_do_what_its_rank_allows_on_pledges(request, api, event_a, role):
    party = PartyFactory(event=event_a)
    existing = PledgeFactory(event=event_a, party=party, amount=Decimal("100.00"))
    api.as_user(request.getfixturevalue(role))
    detail = f"{PLEDGES}{existing.pk}/"

    statuses = {
        "create": api.post(PLEDGES, pledge_payload(event_a, party), format="json").status_code,
        "update": api.patch(detail, {"amount": "200.00"}, format="json").status_code,
        "delete": api.delete(detail).status_code,
    }

    assert statuses == PLEDGE_ROLES[role]
    assert Pledge.objects.filter(amount=Decimal("750")).exists() is (role != "viewer")
    assert Pledge.objects.filter(pk=existing.pk, amount=Decimal("100.00")).exists() is (role in {"viewer", "organizer"})


def test_pledge_shows_what_came_in_and_what_is_outstanding(api, viewer, sponsors):
    response = api.as_user(viewer).get(f"{PLEDGES}{sponsors['acme'].pk}/")

    assert response.status_code == 200
    data = response.json()
    assert (data["party_name"], data["amount"], data["received"], data["outstanding"], data["overpaid"]) == (
        "Acme", "1000.00", "480.00", "520.00", "0.00",
    )  # fmt: skip
    assert data["overdue"] is True


def test_pledge_list_shows_figures_and_filters_by_overdue_party_and_kind(api, viewer, sponsors):
    api.as_user(viewer)

    def rows(params=None) -> dict[str, tuple]:
        results = api.get(PLEDGES, params or {}).json()["results"]
        return {row["party_name"]: (row["received"], row["outstanding"], row["overdue"]) for row in results}

    assert rows() == {
        "Beta": ("600.00", "0.00", False),
        "Casa": ("0.00", "300.00", True),
        "Acme": ("480.00", "520.00", True),
    }
    assert set(rows({"overdue": "true"})) == {"Casa", "Acme"}
    assert set(rows({"overdue": "false"})) == {"Beta"}
    assert set(rows({"party": str(sponsors["beta"].party_id)})) == {"Beta"}
    assert set(rows({"kind": "donation"})) == {"Beta"}
    assert set(rows({"kind": "sponsorship", "overdue": "true"})) == {"Casa", "Acme"}


@pytest.mark.parametrize("params", [{"overdue": "maybe"}, {"party": "not-a-uuid"}, {"kind": "bribe"}])
def test_malformed_pledge_filters_are_refused(api, viewer, event_a, params):
    response = api.as_user(viewer).get(PLEDGES, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def _pledge_list_queries(api, event, count: int) -> int:
    while Pledge.objects.count() < count:
        pledge = PledgeFactory(event=event)
        income(pledge, "1.00")
    with CaptureQueriesContext(connection) as captured:
        response = api.get(PLEDGES)
    assert len(response.json()["results"]) == count
    return len(captured)


def test_pledge_list_costs_the_same_queries_for_3_or_12_rows(api, treasurer, event_a):
    api.as_user(treasurer)

    assert _pledge_list_queries(api, event_a, 3) == _pledge_list_queries(api, event_a, 12)


def test_a_pledge_with_another_events_party_is_refused(api, treasurer, event_a, event_b):
    MembershipFactory(event=event_b, organizer=treasurer, role=Role.TREASURER)
    theirs = PartyFactory(event=event_b)

    response = api.as_user(treasurer).post(PLEDGES, pledge_payload(event_a, theirs), format="json")

    assert response.status_code == 400
    assert response.json() == {"party": ["This party belongs to another event."]}
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"amount": "0"}, "amount"), ({"amount": "10.005"}, "amount"), ({"kind": "bribe"}, "kind")],
)
def test_bad_pledge_input_is_refused_on_its_field(api, organizer, event_a, changes, field):
    party = PartyFactory(event=event_a)

    response = api.as_user(organizer).post(PLEDGES, pledge_payload(event_a, party, **changes), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Pledge.objects.exists()


# --- API: transactions that fulfil a pledge -------------------------------------------------------


def income_payload(event, pledge, **changes) -> dict:
    return {
        "event": str(event.pk),
        "kind": "sponsorship",
        "amount": "250.00",
        "date": "2026-06-12",
        "description": "Acme, first instalment",
        "pledge": str(pledge.pk),
        **changes,
    }


def test_income_linked_to_a_pledge_counts_as_received(api, organizer, event_a, sponsors):
    acme = sponsors["acme"]

    response = api.as_user(organizer).post("/api/transactions/", income_payload(event_a, acme), format="json")
    pledge = api.get(f"{PLEDGES}{acme.pk}/").json()

    assert response.status_code == 201, response.json()
    assert (pledge["received"], pledge["outstanding"]) == ("730.00", "270.00")


@pytest.mark.parametrize("kind", ["purchase", "sale"])
def test_only_a_sponsorship_or_donation_can_fulfil_a_pledge(api, organizer, event_a, sponsors, kind):
    before = Transaction.objects.count()

    response = api.as_user(organizer).post(
        "/api/transactions/", income_payload(event_a, sponsors["acme"], kind=kind), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"pledge": ["Only a sponsorship or donation can fulfil a pledge."]}
    assert Transaction.objects.count() == before


def test_a_pledge_of_another_event_cannot_be_fulfilled(api, treasurer, event_a, event_b, sponsors):
    before = Transaction.objects.count()
    api.as_user(treasurer)

    unseen = api.post("/api/transactions/", income_payload(event_a, sponsors["theirs"]), format="json")
    MembershipFactory(event=event_b, organizer=treasurer, role=Role.TREASURER)
    api.as_user(treasurer)  # a fresh request reads the new membership
    seen = api.post("/api/transactions/", income_payload(event_a, sponsors["theirs"]), format="json")

    assert (unseen.status_code, list(unseen.json())) == (400, ["pledge"])
    assert seen.json() == {"pledge": ["This pledge belongs to another event."]}
    assert Transaction.objects.count() == before


# --- API: the event's pledge report ---------------------------------------------------------------


def test_pledge_report_of_the_event(api, viewer, event_a, sponsors):
    response = api.as_user(viewer).get(report_url(event_a))

    assert response.status_code == 200
    data = response.json()
    assert data["currency"] == "EUR"
    assert [(line["party"], line["received"], line["outstanding"]) for line in data["lines"]] == [
        ("Beta", "600.00", "0.00"),
        ("Casa", "0.00", "300.00"),
        ("Acme", "480.00", "520.00"),
    ]
    assert data["lines"][0]["overpaid"] == "100.00"
    assert data["totals"] == {
        "pledged": "1800.00",
        "received": "1080.00",
        "outstanding": "820.00",
        "overpaid": "100.00",
        "overdue": "820.00",
        "overdue_count": 2,
    }


def test_pledge_report_in_yen_has_no_decimals(api, owner):
    event = EventFactory(currency="JPY", name="Tokyo")
    MembershipFactory(event=event, organizer=owner, role=Role.OWNER)
    pledge = PledgeFactory(event=event, amount=Decimal("100000"))
    income(pledge, "25000")

    data = api.as_user(owner).get(report_url(event)).json()

    assert (data["totals"]["pledged"], data["totals"]["received"], data["totals"]["outstanding"]) == (
        "100000",
        "25000",
        "75000",
    )


def test_another_events_pledge_report_is_not_found(api, owner, event_b, sponsors):
    response = api.as_user(owner).get(report_url(event_b))

    assert response.status_code == 404
    assert "Zeta" not in response.content.decode()


def test_pledge_report_needs_a_signed_in_user_and_a_real_id(api, viewer, event_a):
    assert api.get(report_url(event_a)).status_code == 401
    api.as_user(viewer)
    assert api.get("/api/events/not-a-uuid/pledges/").status_code == 404
    assert api.get("/api/events/00000000-0000-0000-0000-000000000000/pledges/").status_code == 404


# --- Admin ----------------------------------------------------------------------------------------


def test_party_list_shows_only_the_users_events(client, viewer, organizer, treasurer, owner, outsider, superuser):
    PartyFactory(event=viewer.memberships.get().event, name="Acme Festival Sponsor")
    PartyFactory(event=outsider.memberships.get().event, name="Zeta Congress Sponsor")

    assert_changelist_scoped(
        client, Party, (viewer, organizer, treasurer, owner), outsider, superuser, "Acme Festival", "Zeta Congress"
    )


def test_party_list_filters_by_kind_and_searches(client, viewer, event_a):
    PartyFactory(event=event_a, name="Acme", kind=PartyKind.SPONSOR)
    PartyFactory(event=event_a, name="Ana Donor", kind=PartyKind.DONOR, email="ana@example.org")
    client.force_login(viewer)

    by_kind = client.get(admin_url(Party), {"kind__exact": "donor"})
    by_search = client.get(admin_url(Party), {"q": "ana@example"})

    assert [party.name for party in by_kind.context["cl"].result_list] == ["Ana Donor"]
    assert [party.name for party in by_search.context["cl"].result_list] == ["Ana Donor"]


def test_party_page_lists_its_pledges_with_their_figures(client, viewer, sponsors):
    client.force_login(viewer)

    content = client.get(admin_url(sponsors["acme"].party, "change")).content.decode()

    assert admin_url(sponsors["acme"], "change") in content
    assert "€480.00" in content  # received
    assert "€520.00" in content  # outstanding


def test_organizer_adds_a_party_viewer_may_not(client, event_a, organizer, viewer):
    form = {"event": str(event_a.pk), "kind": "sponsor", "name": "Acme"}

    client.force_login(viewer)
    refused = client.post(admin_url(Party, "add"), form)
    client.force_login(organizer)
    added = client.post(admin_url(Party, "add"), form)

    assert (refused.status_code, added.status_code) == (403, 302)
    assert Party.objects.get().name == "Acme"


def test_pledge_list_shows_the_figures_of_the_page(client, viewer, sponsors):
    client.force_login(viewer)

    response = client.get(admin_url(Pledge))

    rows = {
        pledge.party.name: (pledge.figures.received, pledge.figures.outstanding, pledge.figures.overdue)
        for pledge in response.context["cl"].result_list
    }
    assert rows == {
        "Acme": (Decimal("480.00"), Decimal("520.00"), True),
        "Beta": (Decimal("600.00"), Decimal("0.00"), False),
        "Casa": (Decimal("0.00"), Decimal("300.00"), True),
    }
    content = response.content.decode()
    assert "€1,000.00" in content and "€480.00" in content and "€520.00" in content
    assert "Zeta" not in content


def _pledge_page_queries(client, event, count: int) -> int:
    while Pledge.objects.filter(event=event).count() < count:
        income(PledgeFactory(event=event), "1.00")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(admin_url(Pledge))
    assert len(response.context["cl"].result_list) == count
    return len(captured)


def test_pledge_admin_list_costs_the_same_queries_for_3_or_12_rows(client, treasurer, event_a):
    client.force_login(treasurer)

    assert _pledge_page_queries(client, event_a, 3) == _pledge_page_queries(client, event_a, 12)


@pytest.mark.parametrize(("value", "expected"), [("yes", {"Acme", "Casa"}), ("no", {"Beta"}), ("nonsense", None)])
def test_pledge_list_filters_overdue(client, viewer, sponsors, value, expected):
    client.force_login(viewer)

    response = client.get(admin_url(Pledge), {"overdue": value})

    if expected is None:  # a value the filter does not offer is ignored or sent back, never a crash
        assert response.status_code in {200, 302}
    else:
        assert {pledge.party.name for pledge in response.context["cl"].result_list} == expected


def test_pledge_with_another_events_party_is_a_form_error(client, event_a, event_b, treasurer):
    MembershipFactory(event=event_b, organizer=treasurer, role=Role.TREASURER)
    theirs = PartyFactory(event=event_b)
    client.force_login(treasurer)

    response = client.post(
        admin_url(Pledge, "add"),
        {"event": str(event_a.pk), "party": str(theirs.pk), "kind": "sponsorship", "amount": "100"},
    )

    assert "party" in form_errors(response)
    assert not Pledge.objects.exists()


def test_organizer_adds_a_pledge_but_cannot_change_it(client, event_a, organizer):
    party = PartyFactory(event=event_a)
    client.force_login(organizer)
    form = {"event": str(event_a.pk), "party": str(party.pk), "kind": "sponsorship", "amount": "100", "tier": "gold"}

    added = client.post(admin_url(Pledge, "add"), form)
    pledge = Pledge.objects.get()
    changed = client.post(admin_url(pledge, "change"), {**form, "amount": "1"})

    assert (added.status_code, changed.status_code) == (302, 403)
    pledge.refresh_from_db()
    assert pledge.amount == Decimal("100")


def test_another_events_pledge_is_not_found_in_the_admin(client, owner, event_b):
    from organizers.tests.admin_support import assert_not_found

    theirs = PledgeFactory(event=event_b)
    client.force_login(owner)

    assert_not_found(client.get(admin_url(theirs, "change")))
    assert_not_found(client.get(admin_url(theirs.party, "change")))


def test_transaction_form_lists_pledges_without_a_query_per_pledge(client, treasurer, sponsors, event_a):
    client.force_login(treasurer)
    client.get(admin_url(Transaction, "add"))  # warm up: roles and content types cached alike
    with CaptureQueriesContext(connection) as few:
        page = client.get(admin_url(Transaction, "add"))
    for number in range(5):
        PledgeFactory(event=event_a, party=PartyFactory(event=event_a, name=f"Extra {number}"))
    with CaptureQueriesContext(connection) as many:
        more = client.get(admin_url(Transaction, "add"))

    assert "Acme" in page.content.decode() and "Extra 4" in more.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
