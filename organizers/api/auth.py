"""POST /api/auth/token/: DRF's token login with django-axes lockout and its own throttle rate."""

from __future__ import annotations

from axes.helpers import get_lockout_message
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from organizers.security import log_token_issued


class ObtainAuthTokenView(ObtainAuthToken):
    # The "token" rate (settings: API_THROTTLE_TOKEN) bounds password guessing per address, on top
    # of the per-username lockout.
    throttle_classes = [ScopedRateThrottle]  # DRF's view has none
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        # AxesStandaloneBackend flags the request it was given (DRF's Request, not the HttpRequest
        # that AxesMiddleware sees): answer the lockout here, as the admin login does, with 429.
        if getattr(request, "axes_locked_out", False):
            return Response({"detail": get_lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if not valid:
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        log_token_issued(request, user)
        return Response({"token": token.key})
