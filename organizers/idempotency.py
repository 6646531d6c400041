"""``Idempotency-Key`` on every POST of the API: a tool that lost the answer to a POST sends it
again with the same key and gets the first answer back (``Idempotent-Replayed: true``) instead of a
second record. The same key with another body is refused (422); a copy that arrives while the first
is still being answered is refused (409, try again). Keys are per user and kept for
IDEMPOTENCY_KEY_TTL (settings).

One mixin, IdempotentPosts, put first in the bases of every API view that takes a POST;
geventator/tests/test_idempotency.py walks the URLconf so that a new one cannot leave it out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from geventator.db import atomic
from organizers.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# A first request still unanswered after this long died with its worker: a retry may take its key.
ABANDONED_AFTER = timedelta(minutes=5)
# Answers a retry could change are not kept: a conflict, a throttle, a server or store error.
NOT_KEPT = {status.HTTP_409_CONFLICT, status.HTTP_429_TOO_MANY_REQUESTS}


class KeyReusedForAnotherRequest(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for another request: use a new key for a new request.")
    default_code = "idempotency_key_reused"


class KeyInFlight(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being answered: try again in a moment.")
    default_code = "idempotency_key_in_flight"


class Replay(Exception):  # noqa: N818 (not an error: the way out of initial() with a stored answer)
    def __init__(self, stored: IdempotentRequest) -> None:
        self.stored = stored


def fingerprint(request: Request, raw: bytes | None) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if raw is None:
        # A multipart body's boundary changes between sends: compare the fields and files instead.
        data = request.data
        fields = data.lists() if hasattr(data, "lists") else ((name, [value]) for name, value in data.items())
        for name, value in sorted(fields, key=lambda field: field[0]):
            digest.update(name.encode())
            for item in value:
                if hasattr(item, "chunks"):
                    for chunk in item.chunks():
                        digest.update(chunk)
                    item.seek(0)
                else:
                    digest.update(str(item).encode())
        return digest.hexdigest()
    body = raw
    # The same JSON sent again with its keys in another order or other spacing is the same body.
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


def claim(user, key: str, print_: str) -> IdempotentRequest | None:
    """The claim on ``key`` for this request, or None after raising/replaying for an earlier one."""
    now = timezone.now()
    IdempotentRequest.objects.filter(created_at__lt=now - settings.IDEMPOTENCY_KEY_TTL).delete()
    try:
        with atomic():
            return IdempotentRequest.objects.create(user=user, key=key, fingerprint=print_)
    except IntegrityError:
        pass
    earlier = IdempotentRequest.objects.filter(user=user, key=key).first()
    if earlier is None:  # expired and pruned between the two statements
        return claim(user, key, print_)
    if earlier.fingerprint != print_:
        raise KeyReusedForAnotherRequest
    if earlier.status_code is not None:
        raise Replay(earlier)
    if earlier.created_at < now - ABANDONED_AFTER:
        earlier.delete()
        return claim(user, key, print_)
    raise KeyInFlight


class IdempotentPosts:
    """Honours ``Idempotency-Key`` on POST, after authentication, permissions and throttles (a
    refused request claims no key). Signed-out requests (signing in) are left alone."""

    _idempotency_claim: IdempotentRequest | None = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        key = request.headers.get(HEADER) if request.method == "POST" else None
        raw = None
        if key is not None and not request.content_type.startswith("multipart/"):
            raw = request.body  # before the parsers read the stream, after which it is gone
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if key is None or not request.user.is_authenticated:
            return
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise ValidationError({HEADER: [_("Send 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH}]})
        self._idempotency_claim = claim(request.user, key, fingerprint(request, raw))

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return Response(exc.stored.body, status=exc.stored.status_code, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        held, self._idempotency_claim = self._idempotency_claim, None
        if held is None:
            return response
        if response.status_code >= 500 or response.status_code in NOT_KEPT or not hasattr(response, "data"):
            held.delete()  # a retry should be tried for real
            return response
        held.status_code = response.status_code
        held.body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        held.save(update_fields=["status_code", "body"])
        return response


def document_header(result, generator, request, public):
    """drf-spectacular postprocessing hook: every POST of the API says it takes the header."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
        "description": str(
            _(
                "Send the same key again with the same body to get the first answer back instead of a second "
                "record (for IDEMPOTENCY_KEY_TTL_HOURS). Another body with the same key answers 422."
            )
        ),
    }
    for operations in result.get("paths", {}).values():
        post = operations.get("post")
        # Signing in (no security, or an empty one allowed) has no user to keep a key for.
        if post is not None and post.get("security") and {} not in post["security"]:
            post.setdefault("parameters", []).append(parameter)
    return result
