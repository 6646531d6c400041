"""Finding a person to add to an event without handing out the list of accounts.

Anyone may become an event's owner by starting an event, so "owner" is no reason to see every
account: an owner names the person to add exactly (username or e-mail, as the person told them),
and every search over people (the admin's autocompletes) stays among the user's fellow members.

An exact lookup still answers one question, "is there an account with this e-mail?", one guess at
a time; that is the price of adding someone by what they told you, and why nothing here matches a
part of a name or an address.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from organizers.models import Organizer

NOT_FOUND = _("No organizer with this username or e-mail.")
SHARED_EMAIL = _("Several organizers use this e-mail: give the username.")

# Searched for everybody (among fellow members); e-mail only for superusers, who see all accounts.
MEMBER_SEARCH_FIELDS = ["username", "first_name", "last_name"]
SUPERUSER_SEARCH_FIELDS = ["username", "email", "first_name", "last_name"]


def find_organizer(login: str) -> Organizer:
    """The active account whose username or e-mail is ``login`` (case-insensitive, exact), or the
    id of one (API clients that stored it); ValidationError otherwise."""
    login = login.strip()
    if not login:
        raise ValidationError(NOT_FOUND, code="unknown_organizer")
    # Lower() on both sides instead of iexact: MongoDB's backend turns iexact into an unescaped
    # regular expression, and a name with ")" in it answered 500.
    active = Organizer.objects.filter(is_active=True).annotate(
        username_lower=Lower("username"), email_lower=Lower("email")
    )
    by_username = list(active.filter(username_lower=login.lower())[:1])
    if by_username:
        return by_username[0]
    by_email = list(active.filter(email_lower=login.lower())[:2])
    if len(by_email) > 1:
        raise ValidationError(SHARED_EMAIL, code="shared_email")
    if by_email:
        return by_email[0]
    try:
        # An id is 122 random bits: nobody finds an account by guessing one.
        by_id = list(active.filter(pk=uuid.UUID(login))[:1])
    except ValueError:
        by_id = []
    if by_id:
        return by_id[0]
    raise ValidationError(NOT_FOUND, code="unknown_organizer")


def search_fields_for(user) -> list[str]:
    return SUPERUSER_SEARCH_FIELDS if user.is_superuser else MEMBER_SEARCH_FIELDS
