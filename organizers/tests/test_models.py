from datetime import date

import pytest
from django.core.exceptions import ValidationError

from finance.factories import TransactionFactory
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Event, Membership, Role
from organizers.services import create_event, remove_membership

pytestmark = pytest.mark.django_db


def test_event_cannot_end_before_it_starts():
    event = EventFactory.build(start_date=date(2026, 6, 14), end_date=date(2026, 6, 12))

    with pytest.raises(ValidationError) as caught:
        event.full_clean()

    assert caught.value.message_dict["end_date"] == ["The event cannot end before it starts."]


@pytest.mark.parametrize(("field", "value"), [("timezone", "Mars/Olympus"), ("currency", "EURO")])
def test_event_refuses_unknown_timezone_and_currency(field, value):
    event = EventFactory.build(**{field: value})

    with pytest.raises(ValidationError) as caught:
        event.full_clean()

    assert field in caught.value.message_dict


def test_base_currency_is_fixed_once_there_are_transactions(event_a):
    TransactionFactory(event=event_a)
    event_a.currency = "USD"

    with pytest.raises(ValidationError) as caught:
        event_a.full_clean()

    assert "currency" in caught.value.message_dict


def test_creating_an_event_makes_the_creator_its_owner(owner):
    event = create_event(owner, EventFactory.build(slug="new-one"))

    assert Membership.objects.get(event=event, organizer=owner).role == Role.OWNER


def test_last_owner_cannot_be_demoted_or_removed(event_a, owner):
    membership = Membership.objects.get(event=event_a, organizer=owner)
    membership.role = Role.VIEWER

    with pytest.raises(ValidationError):
        membership.full_clean()
    with pytest.raises(ValidationError):
        remove_membership(Membership.objects.get(pk=membership.pk))

    assert Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()


def test_an_owner_can_step_down_when_another_owner_remains(event_a, owner):
    MembershipFactory(event=event_a, role=Role.OWNER)

    remove_membership(Membership.objects.get(event=event_a, organizer=owner))

    assert not Membership.objects.filter(event=event_a, organizer=owner).exists()


def test_an_organizer_is_member_of_an_event_only_once(event_a, viewer):
    duplicate = Membership(event=event_a, organizer=viewer, role=Role.OWNER)

    with pytest.raises(ValidationError):
        duplicate.full_clean()


def test_events_for_user_are_those_they_belong_to(event_a, event_b, viewer, superuser):
    assert list(Event.objects.for_user(viewer)) == [event_a]
    assert set(Event.objects.for_user(superuser)) == {event_a, event_b}
