"""Shared pieces of the admin tests of all three apps (imported by each app's tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

ROLES = ["viewer", "organizer", "treasurer", "owner"]


def admin_url(model_or_obj, action: str = "changelist") -> str:
    """URL of an admin page: changelist/add for a model, change/delete/history for an object."""
    opts = model_or_obj._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{action}"
    if action in {"changelist", "add"}:
        return reverse(name)
    return reverse(name, args=[model_or_obj.pk])


def assert_not_found(response) -> None:
    """The admin's answer to an object the user may not see: back to the index with a message, or 404."""
    assert response.status_code in {302, 404}, response.status_code
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
        assert any("doesn’t exist" in str(m) for m in get_messages(response.wsgi_request))


def form_errors(response) -> dict[str, list[str]]:
    """Errors of the admin form (and its inlines' non-form errors) on a re-rendered page."""
    assert response.status_code == 200, response.status_code
    adminform = response.context["adminform"]
    errors = {name: list(messages) for name, messages in adminform.form.errors.items()}
    for formset in response.context.get("inline_admin_formsets", []):
        if formset.formset.non_form_errors():
            errors.setdefault("__inline__", []).extend(formset.formset.non_form_errors())
        for index, form_errors_ in enumerate(formset.formset.errors):
            for name, messages in form_errors_.items():
                errors.setdefault(f"inline-{index}-{name}", []).extend(messages)
    return errors


def filter_choices(response, field_path: str) -> set:
    """The values a changelist's related-object filter offers (it shows from two values on)."""
    specs = [spec for spec in response.context["cl"].filter_specs if getattr(spec, "field_path", None) == field_path]
    assert specs, f"no {field_path} filter shown"
    return {value for value, _label in specs[0].lookup_choices}


@pytest.fixture
def records(event_a, event_b):
    """One category, transaction, location and activity in each event, with telling names."""
    from activities.factories import ActivityFactory, LocationFactory
    from finance.factories import CategoryFactory, TransactionFactory

    def make(event, tag: str) -> SimpleNamespace:
        category = CategoryFactory(event=event, name=f"Catering {tag}")
        return SimpleNamespace(
            event=event,
            category=category,
            transaction=TransactionFactory(
                event=event, category=category, description=f"Paella for the crew {tag}", amount=Decimal("12.50")
            ),
            location=LocationFactory(event=event, name=f"Main hall {tag}"),
            activity=ActivityFactory(
                event=event,
                title=f"Opening talk {tag}",
                start=datetime(2026, 6, 12, 10, 0, tzinfo=event.tzinfo),
                end=datetime(2026, 6, 12, 11, 30, tzinfo=event.tzinfo),
            ),
        )

    return SimpleNamespace(a=make(event_a, "A"), b=make(event_b, "B"))


def assert_changelist_scoped(client, model, members, outsider, superuser, own: str, foreign: str) -> None:
    """Event A's members see ``own`` and not ``foreign`` in the model's list; event B's owner the
    opposite; a superuser sees both."""
    for user, shown, hidden in [*[(member, own, foreign) for member in members], (outsider, foreign, own)]:
        client.force_login(user)

        content = client.get(admin_url(model)).content.decode()

        assert shown in content, user
        assert hidden not in content, user
    client.force_login(superuser)
    content = client.get(admin_url(model)).content.decode()
    assert own in content
    assert foreign in content
