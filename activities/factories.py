from __future__ import annotations

from datetime import datetime, timedelta

import factory

from activities.models import Activity, Location
from organizers.factories import EventFactory


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Activity {n}")
    start = factory.LazyAttribute(lambda a: datetime(2026, 6, 12, 10, 0, tzinfo=a.event.tzinfo))
    end = factory.LazyAttribute(lambda a: a.start + timedelta(hours=1))
