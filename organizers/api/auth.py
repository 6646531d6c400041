"""POST /api/auth/token/: a new API token for username and password (django-axes lockout, its own
throttle rate); /api/tokens/: the signed-in user's own tokens, to list and revoke."""

from __future__ import annotations

from axes.helpers import get_lockout_message
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from organizers.models import ApiToken
from organizers.security import log_token_issued
from organizers.tokens import issue_token


class TokenRequestSerializer(AuthTokenSerializer):
    name = serializers.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        default="API",
        help_text=_("The tool or device that will use the token, to tell your tokens apart."),
        write_only=True,
    )


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("The key: shown this once, send it as 'Authorization: Token <key>'."))
    id = serializers.UUIDField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ObtainAuthTokenView(APIView):
    # The "token" rate (settings: API_THROTTLE_TOKEN) bounds password guessing per address, on top
    # of the per-username lockout.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    # As DRF's ObtainAuthToken: credentials in the body, nobody signed in yet, a JSON answer.
    permission_classes = ()
    authentication_classes = ()
    parser_classes = (FormParser, MultiPartParser, JSONParser)
    renderer_classes = (JSONRenderer,)
    serializer_class = TokenRequestSerializer

    def get_serializer(self, *args, **kwargs):
        return self.serializer_class(*args, context={"request": self.request}, **kwargs)

    @extend_schema(request=TokenRequestSerializer, responses={200: IssuedTokenSerializer})
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
        token, key = issue_token(user, serializer.validated_data["name"])
        log_token_issued(request, user)
        issued = {"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at}
        return Response(IssuedTokenSerializer(issued).data)


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text=_("Whether this request was signed with this token."))

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "expires_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        return getattr(self.context["request"], "auth", None) == token


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """One's own API tokens (never their keys). Deleting one revokes it at once; other people's
    tokens are not found, superusers' included (they revoke them in the admin)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return ApiToken.objects.filter(user_id=self.request.user.pk).order_by("-created_at", "pk")
