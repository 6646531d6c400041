import pytest

from activities.models import Activity
from finance.models import Category, Transaction
from organizers.models import Event, Membership

pytestmark = pytest.mark.django_db

# (model, action) → lowest role that may do it.
MATRIX = [
    (Transaction, "view", "viewer"),
    (Transaction, "add", "organizer"),
    # Organizers change and delete their own draft expenses; which entries is judged per entry
    # (finance/tests/test_approvals.py), the event only says whether they may in it at all.
    (Transaction, "change", "organizer"),
    (Transaction, "delete", "organizer"),
    (Category, "add", "treasurer"),
    (Activity, "change", "organizer"),
    (Activity, "delete", "organizer"),
    (Membership, "add", "owner"),
    (Event, "change", "owner"),
    (Event, "delete", "owner"),
]
RANKED = ["viewer", "organizer", "treasurer", "owner"]


@pytest.mark.parametrize(("model", "action", "minimum"), MATRIX)
def test_each_role_may_do_what_its_rank_allows_in_its_own_event_only(
    request, event_a, event_b, outsider, model, action, minimum
):
    personas = {"viewer": "viewer", "organizer": "organizer", "treasurer": "treasurer", "owner": "owner"}
    perm = model.get_perm(action)
    for role in RANKED:
        user = request.getfixturevalue(personas[role])
        expected = RANKED.index(role) >= RANKED.index(minimum)
        assert user.has_perm(perm, event_a) is expected, (role, perm)
        assert user.has_perm(perm, event_b) is False, (role, perm, "other event")
    assert outsider.has_perm(perm, event_a) is False
    assert outsider.has_perm(perm, event_b) is True


def test_superuser_may_do_everything(superuser, event_a):
    assert superuser.has_perm(Transaction.get_perm("delete"), event_a)


def test_a_users_roles_and_fellow_members_are_read_without_joins(event_a, event_b, owner, organizer, outsider):
    # Asked on every request: Membership's default order (by event, then username) would join
    # every membership with its event and organizer just to sort what needs no order.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organizers import rules as perms

    with CaptureQueriesContext(connection) as queries:
        roles = perms.roles_for(owner)
        fellows = perms.fellow_member_ids(owner)

    assert roles == {event_a.pk: "owner"}
    assert fellows == {owner.pk, organizer.pk}
    assert len(queries.captured_queries) == 2
    for query in queries.captured_queries:
        assert "JOIN" not in query["sql"] and "$lookup" not in query["sql"], query["sql"]
