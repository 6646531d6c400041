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
