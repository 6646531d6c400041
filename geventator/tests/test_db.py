import pytest

from finance.factories import CategoryFactory
from finance.models import Category
from geventator.db import atomic

pytestmark = pytest.mark.django_db(transaction=True)


def test_atomic_helper_rolls_back_every_write_of_the_block(event_a):
    # On MongoDB this needs the backend's own transaction; Django's atomic would keep the first row.
    with pytest.raises(RuntimeError), atomic():
        CategoryFactory(event=event_a, name="Food")
        CategoryFactory(event=event_a, name="Drinks")
        raise RuntimeError("fail half-way")

    assert not Category.objects.filter(event=event_a).exists()


def test_atomic_helper_commits_when_the_block_succeeds(event_a):
    with atomic():
        CategoryFactory(event=event_a, name="Food")
        CategoryFactory(event=event_a, name="Drinks")

    assert Category.objects.filter(event=event_a).count() == 2
