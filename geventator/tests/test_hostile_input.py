"""Hostile and broken input through the API and the admin: a clear 4xx, nothing stored, no 5xx.

One table per channel. Each row names what is sent and which model must keep its row count.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.factories import ActivityFactory
from activities.models import Activity
from finance.factories import TransactionFactory
from finance.models import Transaction
from organizers.models import Event

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
# Right-to-left override, a zero-width-joined family emoji, a combining accent, other scripts.
UNICODE_TEXT = (
    "Caf\u0065\u0301 \u202eevil\u202c \U0001f469\u200d\U0001f469\u200d\U0001f467"
    " \u0645\u0631\u062d\u0628\u0627 \u65e5\u672c"
)


def transaction_data(event, changes: dict | None = None) -> dict:
    data = {
        "event": str(event.pk),
        "kind": "purchase",
        "amount": "12.50",
        "date": "2026-06-12",
        "description": "Cables",
    }
    return {**data, **(changes or {})}


def activity_data(event, changes: dict) -> dict:
    data = {"event": str(event.pk), "title": "Soundcheck", "start": "2026-06-12T10:00", "end": "2026-06-12T11:00"}
    return {**data, **changes}


# --- API ----------------------------------------------------------------------------------------
# (label, model, url, body builder(event_a, event_b) -> dict | bytes, statuses)
TX = "/api/transactions/"
BAD_TRANSACTIONS = {
    "amount 1e20": {"amount": "1e20"},
    "amount as a JSON number 1e20": {"amount": 1e20},
    "amount with 30 digits": {"amount": "1" * 30},
    "amount with 20 decimals": {"amount": "0." + "1" * 20},
    "amount NaN": {"amount": "NaN"},
    "amount Infinity": {"amount": "Infinity"},
    "amount -Infinity": {"amount": "-Infinity"},
    "amount -0": {"amount": "-0"},
    "amount 0": {"amount": "0"},
    "amount negative": {"amount": "-5.00"},
    "amount as text": {"amount": "twelve"},
    "amount as an object": {"amount": {"$gt": 0}},
    "currency unknown": {"currency": "XXQ"},
    "currency lower case": {"currency": "eur"},
    "currency a symbol": {"currency": "€"},
    "currency too long": {"currency": "EURO"},
    "date year 0": {"date": "0000-01-01"},
    "date year 99999": {"date": "99999-01-01"},
    "date 30 February": {"date": "2026-02-30"},
    "date as an operator": {"date": {"$gt": ""}},
    "kind unknown": {"kind": "theft"},
    "kind as an operator": {"kind": {"$ne": "sale"}},
    "NUL byte in description": {"description": "Cab\x00les"},
    "NUL byte in counterparty": {"counterparty": "\x00"},
    "description too long": {"description": "x" * 301},
    "event id malformed": {"event": "not-a-uuid"},
    "event id as an operator": {"event": {"$gt": ""}},
    "event id as a list": {"event": ["x"]},
    "event id as an ObjectId": {"event": "507f1f77bcf86cd799439011"},
    "category id malformed": {"category": "abc"},
    "category id as an operator": {"category": {"$ne": None}},
}
API_CASES = [
    pytest.param(Transaction, "post", TX, lambda a, b, v=v: transaction_data(a, v), {400}, id=label)
    for label, v in BAD_TRANSACTIONS.items()
] + [
    pytest.param(Transaction, "post", TX, lambda a, b: b'{"amount": "12.50",', {400}, id="invalid JSON"),
    pytest.param(Transaction, "post", TX, lambda a, b: b'{"amount": NaN}', {400}, id="JSON NaN literal"),
    pytest.param(Transaction, "post", TX, lambda a, b: b"[1, 2, 3]", {400}, id="JSON list body"),
    pytest.param(Transaction, "post", TX, lambda a, b: b"\xff\xfe\x00", {400}, id="body not UTF-8"),
    pytest.param(
        Transaction,
        "post",
        TX,
        lambda a, b: json.dumps(transaction_data(a, {"description": "Cab\ud800les"})).encode(),
        {400},
        id="lone surrogate in description",
    ),
    pytest.param(
        Transaction,
        "post",
        TX,
        lambda a, b: transaction_data(b, {"currency": "USD"}),
        {400},
        id="another event's id",
    ),
    pytest.param(
        Transaction,
        "post",
        TX,
        lambda a, b: transaction_data(a, {"padding": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}),
        {413},
        id="body above DATA_UPLOAD_MAX_MEMORY_SIZE",
    ),
    pytest.param(
        Activity,
        "post",
        "/api/activities/",
        lambda a, b: activity_data(a, {"start": "0000-01-01T10:00"}),
        {400},
        id="year 0",
    ),
    pytest.param(
        Activity,
        "post",
        "/api/activities/",
        lambda a, b: activity_data(a, {"end": "99999-01-01T10:00"}),
        {400},
        id="activity year 99999",
    ),
    pytest.param(
        Activity,
        "post",
        "/api/activities/",
        lambda a, b: activity_data(a, {"start": "2026-02-30T10:00"}),
        {400},
        id="activity 30 February",
    ),
    pytest.param(
        Activity,
        "post",
        "/api/activities/",
        lambda a, b: activity_data(a, {"title": "Sound\x00check"}),
        {400},
        id="activity NUL byte in title",
    ),
    pytest.param(
        Activity,
        "post",
        "/api/activities/",
        lambda a, b: activity_data(a, {"capacity": 10**20}),
        {400},
        id="activity capacity beyond the column",
    ),
    pytest.param(
        Activity,
        "post",
        "/api/activities/",
        lambda a, b: activity_data(a, {"responsible": [{"$gt": ""}]}),
        {400},
        id="activity responsible as an operator",
    ),
    pytest.param(
        Event,
        "post",
        "/api/events/",
        lambda a, b: {"name": "X", "slug": "x", "start_date": "2026-02-30", "end_date": "2026-03-01"},
        {400},
        id="event 30 February",
    ),
    pytest.param(
        Event,
        "post",
        "/api/events/",
        lambda a, b: {
            "name": "X",
            "slug": "x",
            "start_date": "2026-03-01",
            "end_date": "2026-03-02",
            "currency": "ZZZ",
        },
        {400},
        id="event unknown currency",
    ),
    pytest.param(
        Event,
        "post",
        "/api/events/",
        lambda a, b: {"name": "X\x00", "slug": "x", "start_date": "2026-03-01", "end_date": "2026-03-02"},
        {400},
        id="event NUL byte in name",
    ),
    pytest.param(Transaction, "delete", TX + "not-a-uuid/", lambda a, b: None, {404}, id="delete malformed id"),
    pytest.param(Transaction, "delete", TX + '{"$gt":""}/', lambda a, b: None, {404}, id="delete operator id"),
    pytest.param(
        Transaction, "patch", TX + "507f1f77bcf86cd799439011/", lambda a, b: {"amount": "1"}, {404}, id="ObjectId"
    ),
]


@pytest.fixture
def ledgers(event_a, event_b, owner, outsider):
    """One transaction and one activity in each event: lists must never show event B's to A's owner."""
    records = {}
    for event in (event_a, event_b):
        start = datetime(2026, 6, 12, 10, 0, tzinfo=event.tzinfo)
        records[event.pk] = (
            TransactionFactory(event=event, description=f"Ledger of {event.slug}"),
            ActivityFactory(event=event, start=start, end=start + timedelta(hours=1)),
        )
    return records


@pytest.mark.parametrize(("model", "method", "url", "body", "statuses"), API_CASES)
def test_api_refuses_hostile_input_and_stores_nothing(
    api, event_a, event_b, ledgers, owner, model, method, url, body, statuses
):
    before = model.objects.count()
    payload = body(event_a, event_b)

    client = api.as_user(owner)
    if isinstance(payload, bytes):
        response = getattr(client, method)(url, data=payload, content_type="application/json")
    else:
        response = getattr(client, method)(url, payload, format="json")

    assert response.status_code in statuses, response.content[:500]
    assert model.objects.count() == before


ALL, NONE, REFUSED = "all", "none", 400
# query -> what may come back: the unfiltered (but scoped) list, an empty one, or a 400. Nothing
# here may act as an operator: e.g. on MongoDB a search for ".*" is a literal ".*", not a regex.
OPERATOR_QUERIES = {
    "amount__gt=0": {ALL},
    "event__slug=congress-b": {ALL},
    "event[$gt]=": {ALL},
    'event={"$gt": ""}': {REFUSED, ALL},
    'kind={"$gt": ""}': {REFUSED, ALL},
    "kind[$ne]=sale": {ALL},
    "ordering=-password": {ALL},
    "ordering=event__organizers__password": {ALL},
    "search[$regex]=.*": {ALL},
    'search={"$regex": ".*"}': {NONE},
    "search=.*": {NONE},
    "search=%00": {REFUSED},
    "category=not-a-uuid": {REFUSED, ALL},
    "page[$gt]=0": {ALL},
    "$where=1": {ALL},
}


def listed_ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("url", ["/api/transactions/", "/api/activities/", "/api/events/"])
@pytest.mark.parametrize(("query", "outcomes"), OPERATOR_QUERIES.items())
def test_api_query_operators_never_reach_the_database(api, event_a, event_b, ledgers, owner, url, query, outcomes):
    client = api.as_user(owner)
    unfiltered = listed_ids(client.get(url))

    response = client.get(f"{url}?{query}")

    if response.status_code == 400:
        assert REFUSED in outcomes
    else:
        assert response.status_code == 200, response.content[:300]
        outcome = ALL if listed_ids(response) == unfiltered else NONE if not listed_ids(response) else "some"
        assert outcome in outcomes
    assert len(unfiltered) == 1  # event A's record only, never event B's


def test_api_stores_and_returns_unicode_intact(api, event_a, owner):
    response = api.as_user(owner).post(
        TX, transaction_data(event_a, {"description": UNICODE_TEXT, "counterparty": "Zoë \u200d"}), format="json"
    )

    assert response.status_code == 201, response.content
    stored = Transaction.objects.get(pk=response.json()["id"])
    assert (stored.description, stored.counterparty) == (UNICODE_TEXT, "Zoë \u200d")
    assert api.get(f"{TX}{stored.pk}/").json()["description"] == UNICODE_TEXT


def test_api_stores_script_text_as_it_is_and_the_admin_shows_it_escaped(api, client, event_a, owner):
    response = api.as_user(owner).post(TX, transaction_data(event_a, {"description": SCRIPT}), format="json")
    assert response.status_code == 201
    transaction = Transaction.objects.get(pk=response.json()["id"])
    assert transaction.description == SCRIPT
    client.force_login(owner)

    pages = [
        client.get("/admin/finance/transaction/").content.decode(),
        client.get(f"/admin/finance/transaction/{transaction.pk}/change/").content.decode(),
    ]

    for html in pages:
        assert SCRIPT not in html
        assert ESCAPED_SCRIPT in html


def test_api_csv_import_refuses_a_file_above_the_limit(api, event_a, owner, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 1000
    header = b"title,start,end\n"
    upload = SimpleUploadedFile("big.csv", header + b"x,2026-06-12T10:00,2026-06-12T11:00\n" * 40, "text/csv")
    before = Activity.objects.count()

    response = api.as_user(owner).post(
        "/api/activities/import/", {"event": str(event_a.pk), "file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert "file" in response.json()
    assert Activity.objects.count() == before


CSV_HEADER = "id,event,title,description,kind,status,start,end,location,capacity,is_public,responsible\n"
CSV_WITH_NUL = CSV_HEADER + ",festival-a,Sound\x00check,,,,2026-06-12T10:00,2026-06-12T11:00,,,,\n"


def test_api_csv_import_refuses_a_nul_byte(api, event_a, owner):
    upload = SimpleUploadedFile("nul.csv", CSV_WITH_NUL.encode(), "text/csv")

    response = api.as_user(owner).post(
        "/api/activities/import/", {"event": str(event_a.pk), "file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["errors"]["title"]
    assert not Activity.objects.exists()


# --- Admin --------------------------------------------------------------------------------------
ADD_TRANSACTION = "/admin/finance/transaction/add/"


def admin_transaction_form(event, changes: dict | None = None, **more) -> dict:
    return transaction_data(event, {"currency": "EUR", **(changes or {}), **more})


# A form posts text only: the JSON-shaped rows (objects, lists, numbers) have no form equivalent.
ADMIN_CASES = [
    pytest.param(Transaction, ADD_TRANSACTION, lambda a, b, v=v: admin_transaction_form(a, v), {200}, id=label)
    for label, v in BAD_TRANSACTIONS.items()
    if all(isinstance(value, str) for value in v.values())
] + [
    pytest.param(
        Transaction, ADD_TRANSACTION, lambda a, b: admin_transaction_form(b, currency="USD"), {200}, id="another event"
    ),
    pytest.param(
        Transaction,
        ADD_TRANSACTION,
        lambda a, b: admin_transaction_form(a, padding="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        {400},
        id="body above DATA_UPLOAD_MAX_MEMORY_SIZE",
    ),
    pytest.param(
        Activity,
        "/admin/activities/activity/add/",
        lambda a, b: {"event": str(a.pk), "title": "X\x00", "start_0": "2026-06-12", "start_1": "10:00"},
        {200},
        id="activity NUL byte",
    ),
    pytest.param(
        Activity,
        "/admin/activities/activity/add/",
        lambda a, b: {"event": str(a.pk), "title": "X", "start_0": "99999-01-01", "start_1": "10:00"},
        {200},
        id="activity year 99999",
    ),
    pytest.param(
        Event,
        "/admin/organizers/event/add/",
        lambda a, b: {"name": "X", "slug": "x", "start_date": "2026-02-30", "end_date": "2026-03-01"},
        {200},
        id="event 30 February",
    ),
]


@pytest.mark.parametrize(("model", "url", "form", "statuses"), ADMIN_CASES)
def test_admin_refuses_hostile_input_and_stores_nothing(
    client, event_a, event_b, ledgers, owner, model, url, form, statuses
):
    before = model.objects.count()
    client.force_login(owner)

    response = client.post(url, form(event_a, event_b))

    assert response.status_code in statuses
    if response.status_code == 200:
        # The admin answers a refused form by showing it again, with the errors.
        assert b"errornote" in response.content or b"errorlist" in response.content
    assert model.objects.count() == before


ADMIN_OPERATOR_QUERIES = [
    "amount__gt=0",
    "event__slug=congress-b",
    "event__id__exact=not-a-uuid",
    "event[$gt]=",
    'kind={"$gt": ""}',
    "o=-99",
    "o=password",
    "q[$regex]=.*",
    "q=%00",
    "created_by__password__startswith=md5",
    "$where=1",
]


@pytest.mark.parametrize("query", ADMIN_OPERATOR_QUERIES)
def test_admin_query_operators_never_widen_the_changelist(client, event_a, event_b, ledgers, owner, query):
    client.force_login(owner)

    response = client.get(f"/admin/finance/transaction/?{query}")

    assert response.status_code in {200, 302, 400}
    assert b"Ledger of congress-b" not in response.content


@pytest.mark.parametrize("object_id", ["not-a-uuid", "507f1f77bcf86cd799439011", '{"$gt":""}', "%00"])
def test_admin_malformed_object_ids_are_not_found(client, ledgers, owner, object_id):
    client.force_login(owner)

    response = client.get(f"/admin/finance/transaction/{object_id}/change/")

    assert response.status_code in {302, 404}


def test_admin_csv_import_refuses_a_file_above_the_limit(client, event_a, owner, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 1000
    client.force_login(owner)
    upload = SimpleUploadedFile("big.csv", b"title,start,end\n" + b"x,2026-06-12T10:00,2026-06-12T11:00\n" * 40)
    before = Activity.objects.count()

    response = client.post(
        "/admin/activities/activity/import/", {"resource": "0", "format": "0", "import_file": upload}
    )

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert Activity.objects.count() == before


def test_admin_csv_import_refuses_a_nul_byte(client, event_a, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("nul.csv", CSV_WITH_NUL.encode())

    response = client.post(
        "/admin/activities/activity/import/", {"resource": "0", "format": "0", "import_file": upload}
    )

    assert response.status_code == 200
    assert b"Null characters are not allowed." in response.content
    assert not Activity.objects.exists()


def test_admin_stores_unicode_intact(client, event_a, owner):
    client.force_login(owner)

    response = client.post(ADD_TRANSACTION, admin_transaction_form(event_a, {"description": UNICODE_TEXT}))

    assert response.status_code == 302
    assert Transaction.objects.get().description == UNICODE_TEXT


def test_the_tables_base_records_are_accepted(api, client, event_a, owner):
    # The control for both tables: each row differs from these only by its hostile value.
    client.force_login(owner)

    api_answer = api.as_user(owner).post(TX, transaction_data(event_a), format="json")
    admin_answer = client.post(ADD_TRANSACTION, admin_transaction_form(event_a))
    activity_answer = api.post("/api/activities/", activity_data(event_a, {}), format="json")

    assert (api_answer.status_code, admin_answer.status_code, activity_answer.status_code) == (201, 302, 201)
    assert Transaction.objects.count() == 2
