"""Receipt files: accepted by their bytes, stored outside any public URL, downloaded by members only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from finance.factories import RECEIPT_PDF, ReceiptFactory, TransactionFactory
from finance.models import Kind, Receipt, Status, Transaction
from geventator.db import atomic
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role
from organizers.tests.admin_support import admin_url, assert_changelist_scoped, form_errors

pytestmark = pytest.mark.django_db

RECEIPTS = "/api/receipts/"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Every test stores its files in a folder of its own."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def download(receipt) -> str:
    return f"/finance/receipts/{receipt.pk}/"


@pytest.fixture
def paid(event_a) -> Transaction:
    return TransactionFactory.create(event=event_a, description="Stage rental", amount=Decimal("300.00"))


# --- Upload through the API -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type", "extension"),
    [
        ("invoice.pdf", RECEIPT_PDF, "application/pdf", "pdf"),
        ("ticket.JPG", JPEG, "image/jpeg", "jpg"),
        ("ticket.jpeg", JPEG, "image/jpeg", "jpeg"),
        ("slip.png", PNG, "image/png", "png"),
    ],
)
def test_organizer_uploads_a_receipt_of_each_accepted_type(
    api, organizer, paid, media, name, data, content_type, extension
):
    response = api.as_user(organizer).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload(name, data)}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    receipt = Receipt.objects.get(pk=body["id"])
    assert (body["original_name"], body["content_type"], body["size"], body["uploaded_by"]) == (
        name,
        content_type,
        len(data),
        "oscar_organizer",
    )
    assert body["event"] == str(paid.event_id)
    assert body["download_url"].endswith(f"/finance/receipts/{receipt.pk}/")
    assert "file" not in body  # never the storage path
    assert (receipt.event_id, receipt.uploaded_by) == (paid.event_id, organizer)
    assert stored_files(media) == [media / "receipts" / str(paid.event_id) / f"{receipt.pk}.{extension}"]
    assert stored_files(media)[0].read_bytes() == data


def test_the_type_is_judged_by_the_bytes_not_by_what_the_client_says(api, organizer, paid):
    response = api.as_user(organizer).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload("slip.png", PNG, "application/pdf")}, format="multipart"
    )

    assert response.status_code == 201
    assert Receipt.objects.get().content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"Paid 300 EUR cash", "Only PDF, JPEG and PNG files are accepted; this file is none of them."),
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "Only PDF, JPEG and PNG"),
        ("invoice.pdf", b"PK\x03\x04 a zip named like a pdf", "Only PDF, JPEG and PNG"),
        ("invoice.pdf", PNG, "The file is a PNG but its name ends in “.pdf”: name it .png."),
        ("tool.exe", RECEIPT_PDF, "The file is a PDF but its name ends in “.exe”: name it .pdf."),
        ("no-extension", RECEIPT_PDF, "The file is a PDF but its name ends in"),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_a_bad_file_is_refused_on_the_file_field_and_nothing_is_stored(
    api, organizer, paid, media, name, data, message
):
    response = api.as_user(organizer).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload(name, data, "application/pdf")}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert response.json()["file"][0].startswith(message)
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_a_file_above_the_limit_is_refused(api, organizer, paid, media, settings):
    settings.RECEIPT_MAX_BYTES = 1024 * 1024
    big = RECEIPT_PDF + b"0" * (1024 * 1024)

    response = api.as_user(organizer).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload("scan.pdf", big)}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"file": ["The file is too large (1.0 MB); receipts may have at most 1 MB."]}
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_the_uploaders_name_is_kept_only_as_a_label(api, organizer, paid, media):
    response = api.as_user(organizer).post(
        RECEIPTS,
        {"transaction": str(paid.pk), "file": upload('../../etc/Factura "mayo"\u202e ñ.pdf', RECEIPT_PDF)},
        format="multipart",
    )

    assert response.status_code == 201
    receipt = Receipt.objects.get()
    assert receipt.original_name == 'Factura "mayo" ñ.pdf'
    assert stored_files(media) == [media / "receipts" / str(paid.event_id) / f"{receipt.pk}.pdf"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "transaction"), ({"transaction": "not-a-uuid"}, "transaction"), ({"transaction": "<paid>"}, "file")],
)
def test_an_incomplete_upload_is_refused_on_its_field(api, organizer, paid, body, field):
    body = {key: str(paid.pk) if value == "<paid>" else value for key, value in body.items()}
    if field != "file":
        body["file"] = upload("invoice.pdf", RECEIPT_PDF)

    response = api.as_user(organizer).post(RECEIPTS, body, format="multipart")

    assert response.status_code == 400
    assert field in response.json()
    assert not Receipt.objects.exists()


def test_a_viewer_cannot_upload(api, viewer, paid, media):
    response = api.as_user(viewer).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}, format="multipart"
    )

    assert response.status_code == 403
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_organizer_elsewhere_but_viewer_here_cannot_upload_here(api, viewer, paid, media):
    MembershipFactory(event=EventFactory(name="Side event"), organizer=viewer, role=Role.ORGANIZER)

    response = api.as_user(viewer).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}, format="multipart"
    )

    assert response.status_code == 403
    assert stored_files(media) == []


def test_another_events_transaction_is_not_found_for_an_upload(api, outsider, paid, media):
    response = api.as_user(outsider).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["transaction"]
    assert stored_files(media) == []


def test_an_archived_events_transactions_take_no_receipts(api, owner, event_a, paid, media):
    from django.utils import timezone

    event_a.archived_at = timezone.now()
    event_a.save()

    response = api.as_user(owner).post(
        RECEIPTS, {"transaction": str(paid.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}, format="multipart"
    )

    assert response.status_code == 403
    assert stored_files(media) == []


# --- List, change, delete through the API ---------------------------------------------------------


def test_receipts_list_only_the_users_events_and_filter_by_transaction(api, viewer, paid, event_b):
    mine = ReceiptFactory(transaction=paid)
    other = ReceiptFactory(transaction=TransactionFactory(event=paid.event))
    ReceiptFactory(transaction=TransactionFactory(event=event_b))
    api.as_user(viewer)

    every = [row["id"] for row in api.get(RECEIPTS).json()["results"]]
    of_paid = [row["id"] for row in api.get(RECEIPTS, {"transaction": str(paid.pk)}).json()["results"]]

    assert sorted(every) == sorted([str(mine.pk), str(other.pk)])
    assert of_paid == [str(mine.pk)]
    assert api.get(RECEIPTS, {"transaction": "not-a-uuid"}).status_code == 400


def test_a_receipt_is_never_edited(api, owner, paid):
    receipt = ReceiptFactory(transaction=paid)
    api.as_user(owner)

    patch = api.patch(f"{RECEIPTS}{receipt.pk}/", {"transaction": str(paid.pk)}, format="multipart")
    put = api.put(f"{RECEIPTS}{receipt.pk}/", {"transaction": str(paid.pk)}, format="multipart")

    assert (patch.status_code, put.status_code) == (405, 405)


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("organizer", 403), ("treasurer", 204)])
def test_only_treasurers_delete_a_receipt_and_its_file_goes_with_it(
    request, api, paid, media, django_capture_on_commit_callbacks, role, status
):
    receipt = ReceiptFactory(transaction=paid)
    path = media / receipt.file.name
    assert path.is_file()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(request.getfixturevalue(role)).delete(f"{RECEIPTS}{receipt.pk}/")

    assert response.status_code == status
    assert Receipt.objects.filter(pk=receipt.pk).exists() is (status != 204)
    assert path.is_file() is (status != 204)


def test_another_events_receipt_is_not_found(api, owner, event_b):
    theirs = ReceiptFactory(transaction=TransactionFactory(event=event_b))
    api.as_user(owner)

    assert api.get(f"{RECEIPTS}{theirs.pk}/").status_code == 404
    assert api.delete(f"{RECEIPTS}{theirs.pk}/").status_code == 404
    assert Receipt.objects.filter(pk=theirs.pk).exists()


def test_a_rolled_back_deletion_keeps_the_file(paid, media, django_capture_on_commit_callbacks):
    receipt = ReceiptFactory(transaction=paid)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), atomic():
        Receipt.objects.get(pk=receipt.pk).delete()
        raise RuntimeError("something later in the same change failed")

    assert Receipt.objects.filter(pk=receipt.pk).exists()
    assert (media / receipt.file.name).is_file()


def test_deleting_a_transaction_deletes_its_receipts_and_files(paid, media, django_capture_on_commit_callbacks):
    draft = TransactionFactory(event=paid.event, kind=Kind.PURCHASE, status=Status.DRAFT)
    ReceiptFactory(transaction=draft)
    ReceiptFactory(transaction=draft, file__filename="ticket.pdf")
    kept = ReceiptFactory(transaction=paid)

    with django_capture_on_commit_callbacks(execute=True):
        Transaction.objects.get(pk=draft.pk).delete()

    assert list(Receipt.objects.all()) == [kept]
    assert stored_files(media) == [media / kept.file.name]


# --- Download -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer", "owner", "superuser"])
def test_members_of_the_event_download_the_receipt(request, client, paid, role):
    receipt = ReceiptFactory(transaction=paid)
    client.force_login(request.getfixturevalue(role))

    response = client.get(download(receipt))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == RECEIPT_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_download_works_with_an_api_token(api, viewer, paid):
    receipt = ReceiptFactory(transaction=paid)

    response = api.as_user(viewer).get(download(receipt), HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == RECEIPT_PDF


def test_an_odd_original_name_is_quoted_safely(client, viewer, paid):
    receipt = ReceiptFactory(transaction=paid, original_name='Factura "mayo" ñ.pdf')
    client.force_login(viewer)

    disposition = client.get(download(receipt))["Content-Disposition"]

    assert disposition == "attachment; filename*=utf-8''Factura%20%22mayo%22%20%C3%B1.pdf"


def test_outsiders_and_strangers_get_nothing(client, api, outsider, paid):
    receipt = ReceiptFactory(transaction=paid)
    client.force_login(outsider)

    assert client.get(download(receipt)).status_code == 404
    assert client.get("/finance/receipts/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/finance/receipts/not-a-uuid/").status_code == 404
    assert api.get(download(receipt)).status_code == 401  # nobody signed in


def test_stored_files_have_no_public_url(client, viewer, paid):
    receipt = ReceiptFactory(transaction=paid)
    client.force_login(viewer)

    for url in (f"/{receipt.file.name}", f"/media/{receipt.file.name}", f"/static/{receipt.file.name}"):
        assert client.get(url).status_code == 404, url


def test_a_receipt_whose_file_is_missing_is_not_found(client, viewer, paid, media):
    receipt = ReceiptFactory(transaction=paid)
    (media / receipt.file.name).unlink()
    client.force_login(viewer)

    assert client.get(download(receipt)).status_code == 404


# --- Admin ----------------------------------------------------------------------------------------


def transaction_form(event, **changes) -> dict:
    return {
        "event": str(event.pk),
        "kind": "purchase",
        "amount": "42.10",
        "currency": event.currency,
        "date": "2026-06-12",
        "description": "Gas for the generator",
        "category": "",
        "counterparty": "Repsol",
        "receipts-TOTAL_FORMS": "1",
        "receipts-INITIAL_FORMS": "0",
        "receipts-MIN_NUM_FORMS": "0",
        "receipts-MAX_NUM_FORMS": "1000",
        **changes,
    }


def test_organizer_adds_a_transaction_with_its_receipt(client, event_a, organizer, media):
    client.force_login(organizer)

    response = client.post(
        admin_url(Transaction, "add"), transaction_form(event_a, **{"receipts-0-file": upload("gas.png", PNG)})
    )

    assert response.status_code == 302
    receipt = Receipt.objects.get()
    assert (receipt.transaction.description, receipt.event, receipt.uploaded_by) == (
        "Gas for the generator",
        event_a,
        organizer,
    )
    assert (receipt.original_name, receipt.content_type, receipt.size) == ("gas.png", "image/png", len(PNG))
    assert stored_files(media)[0].read_bytes() == PNG


def test_a_bad_receipt_in_the_transaction_form_stores_nothing(client, event_a, organizer, media):
    client.force_login(organizer)

    response = client.post(
        admin_url(Transaction, "add"),
        transaction_form(event_a, **{"receipts-0-file": upload("gas.pdf", b"<html>not a pdf</html>")}),
    )

    assert form_errors(response)["inline-0-file"] == [
        "Only PDF, JPEG and PNG files are accepted; this file is none of them."
    ]
    assert not Transaction.objects.exists()
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_transaction_page_links_receipts_to_the_download_view_only(client, viewer, paid):
    receipt = ReceiptFactory(transaction=paid, original_name="stage-invoice.pdf")
    client.force_login(viewer)

    content = client.get(admin_url(paid, "change")).content.decode()

    assert f'href="/finance/receipts/{receipt.pk}/"' in content
    assert "stage-invoice.pdf" in content
    assert receipt.file.name not in content  # no link to the storage path


def test_receipt_admin_upload_to_a_paid_transaction(client, organizer, paid, media):
    client.force_login(organizer)

    response = client.post(
        admin_url(Receipt, "add"), {"transaction": str(paid.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}
    )

    assert response.status_code == 302
    receipt = Receipt.objects.get()
    assert (receipt.transaction, receipt.event, receipt.uploaded_by) == (paid, paid.event, organizer)
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [("invoice.pdf", PNG, "file"), ("invoice.pdf", b"", "file"), ("virus.exe", b"MZ\x90\x00", "file")],
)
def test_receipt_admin_refuses_a_bad_file(client, organizer, paid, media, name, data, field):
    client.force_login(organizer)

    response = client.post(admin_url(Receipt, "add"), {"transaction": str(paid.pk), "file": upload(name, data)})

    assert field in form_errors(response)
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_receipt_admin_refuses_another_events_transaction(client, organizer, event_b, media):
    theirs = TransactionFactory(event=event_b)
    client.force_login(organizer)

    response = client.post(
        admin_url(Receipt, "add"), {"transaction": str(theirs.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}
    )

    assert "transaction" in form_errors(response)
    assert stored_files(media) == []


def test_receipt_admin_refuses_a_transaction_where_the_user_only_views(client, organizer, event_b, media):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    theirs = TransactionFactory(event=event_b)
    client.force_login(organizer)

    response = client.post(
        admin_url(Receipt, "add"), {"transaction": str(theirs.pk), "file": upload("invoice.pdf", RECEIPT_PDF)}
    )

    assert form_errors(response)["transaction"] == [
        "Your role in this transaction's event does not allow adding receipts."
    ]
    assert stored_files(media) == []


def test_receipt_list_shows_only_the_users_events(
    client, viewer, organizer, treasurer, owner, outsider, superuser, paid, event_b
):
    ReceiptFactory(transaction=paid, original_name="festival-a-invoice.pdf")
    ReceiptFactory(transaction=TransactionFactory(event=event_b), original_name="congress-b-invoice.pdf")

    assert_changelist_scoped(
        client,
        Receipt,
        (viewer, organizer, treasurer, owner),
        outsider,
        superuser,
        "festival-a-invoice.pdf",
        "congress-b-invoice.pdf",
    )


def test_treasurer_deletes_a_receipt_in_the_admin_and_its_file(
    client, treasurer, paid, media, django_capture_on_commit_callbacks
):
    receipt = ReceiptFactory(transaction=paid)
    client.force_login(treasurer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_url(receipt, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Receipt.objects.exists()
    assert stored_files(media) == []


def test_receipt_page_is_read_only_even_for_the_owner(client, owner, paid):
    receipt = ReceiptFactory(transaction=paid)
    client.force_login(owner)

    page = client.get(admin_url(receipt, "change"))
    post = client.post(admin_url(receipt, "change"), {"transaction": str(paid.pk)})

    assert page.status_code == 200
    assert f'href="/finance/receipts/{receipt.pk}/"' in page.content.decode()
    assert post.status_code == 403


# --- The check and the store, below the API and the admin -----------------------------------------


def test_the_model_check_refuses_an_empty_file(paid):
    receipt = Receipt(transaction=paid, file=upload("empty.pdf", b""))

    with pytest.raises(ValidationError) as caught:
        receipt.full_clean()

    assert caught.value.message_dict["file"] == ["The file is empty."]


def test_a_receipt_the_database_refuses_leaves_no_file_behind(paid, media, monkeypatch):
    from django.db import DatabaseError

    from finance.receipts import save_receipt

    receipt = Receipt(transaction=paid, file=upload("invoice.pdf", RECEIPT_PDF))
    receipt.clean()

    insert = Receipt._do_insert

    def fail_after_writing(self, *args, **kwargs):
        insert(self, *args, **kwargs)  # writes the file, then the row (rolled back below)
        assert stored_files(media)
        raise DatabaseError("the store said no")

    monkeypatch.setattr(Receipt, "_do_insert", fail_after_writing)
    with pytest.raises(DatabaseError):
        save_receipt(receipt)

    assert stored_files(media) == []
    assert not Receipt.objects.exists()


def test_treasurer_adds_a_receipt_on_a_paid_transactions_page(client, treasurer, paid, media):
    # A paid entry is locked: its fields are read-only, but its receipts can still grow.
    client.force_login(treasurer)
    form = {
        "receipts-TOTAL_FORMS": "1",
        "receipts-INITIAL_FORMS": "0",
        "receipts-MIN_NUM_FORMS": "0",
        "receipts-MAX_NUM_FORMS": "1000",
        "receipts-0-file": upload("late-invoice.pdf", RECEIPT_PDF),
    }

    response = client.post(admin_url(paid, "change"), form)

    assert response.status_code == 302
    receipt = Receipt.objects.get()
    assert (receipt.transaction, receipt.original_name, receipt.uploaded_by) == (paid, "late-invoice.pdf", treasurer)
    paid.refresh_from_db()
    assert (paid.status, paid.amount) == (Status.PAID, Decimal("300.00"))
