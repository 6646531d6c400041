from __future__ import annotations

from datetime import date

import factory

from organizers.models import Event, Membership, Organizer, Role


class OrganizerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organizer
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"organizer{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Event {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    start_date = date(2026, 6, 12)
    end_date = date(2026, 6, 14)
    timezone = "Europe/Madrid"
    currency = "EUR"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    event = factory.SubFactory(EventFactory)
    organizer = factory.SubFactory(OrganizerFactory)
    role = Role.ORGANIZER
