import django_filters

from organizers.models import Membership, Role


class MembershipFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    organizer = django_filters.UUIDFilter(field_name="organizer_id")
    role = django_filters.MultipleChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["event", "organizer", "role"]
