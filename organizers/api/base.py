"""The API's one scoping mechanism: every event-owned resource uses these classes."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rules.contrib.rest_framework import AutoPermissionViewSetMixin

from geventator.api import RetriedWrites
from organizers.conditional import ConditionalWrites
from organizers.history import ACTIONS, Entry, entries, keeps_history, last_known, plain, records_of
from organizers.idempotency import IdempotentPosts
from organizers.models import Event
from organizers.scoping import EventScopedQuerySet


def visible_event(user, raw, field: str = "event") -> Event:
    """The event of id ``raw`` if the user may see it. Missing or malformed: 400 on ``field``;
    another event's id (or an unknown one): 404, so an answer never tells that it exists."""
    if not raw:
        raise exceptions.ValidationError({field: [_("This field is required.")]})
    try:
        pk = uuid.UUID(str(raw))
    except ValueError:
        raise exceptions.ValidationError({field: [_("Not a valid event id.")]}) from None
    event = Event.objects.for_user(user).filter(pk=pk).first()
    if event is None:
        raise exceptions.NotFound(_("No such event."))
    return event


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to what the requesting user can see: another event's id is "not found"."""

    def get_queryset(self):
        return cast(EventScopedQuerySet, super().get_queryset()).for_user(self.context["request"].user)


class ModelCleanSerializer(serializers.ModelSerializer[Any]):
    """Runs the model's clean() and constraints, so the API refuses what the admin refuses."""

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        model: type[Any] = self.Meta.model
        plain = {k: v for k, v in attrs.items() if not model._meta.get_field(k).many_to_many}
        # Validate a fresh copy: the stored object must not change if validation fails.
        instance = model() if self.instance is None else model.objects.get(pk=self.instance.pk)
        for key, value in plain.items():
            setattr(instance, key, value)
        self.prepare_for_clean(instance, attrs)
        writable = self._writable_model_fields()
        before = {key: getattr(instance, key) for key in writable}
        try:
            instance.clean()
            instance.validate_constraints()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            ) from exc
        # clean() may fill defaults (e.g. the event's currency when the client sent none): keep
        # them, including for fields the client left out, or the saved record would miss them.
        for key in {*plain, *(key for key in writable if getattr(instance, key) != before[key])}:
            attrs[key] = getattr(instance, key)
        return attrs

    def _writable_model_fields(self) -> list[str]:
        """The serializer's writable fields that are plain model columns (the ones clean() may fill)."""
        model: type[Any] = self.Meta.model
        model_fields = {f.name for f in model._meta.concrete_fields if not f.is_relation}
        return [
            field.source
            for field in self.fields.values()
            if not field.read_only and isinstance(field.source, str) and field.source in model_fields
        ]

    def prepare_for_clean(self, instance, attrs: dict) -> None:
        """Hook: set on the copy what clean() needs beyond the plain fields."""


class EventScopedSerializer(ModelCleanSerializer):
    event = ScopedRelatedField(queryset=Event.objects.all())

    def validate_event(self, event: Event) -> Event:
        if self.instance is not None and self.instance.event_id != event.pk:
            raise serializers.ValidationError(_("An existing record cannot move to another event."))
        action = "change" if self.instance is not None else "add"
        model: type[Any] = self.Meta.model
        if not self.context["request"].user.has_perm(model.get_perm(action), event):
            # The user sees the event but their role there is too low (the view's check only
            # knew they may add in *some* event): that is a permission refusal, not bad input.
            raise exceptions.PermissionDenied(_("Your role in this event does not allow this."))
        return event


class HistoryUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


class HistoryChangeSerializer(serializers.Serializer):
    old = serializers.JSONField(allow_null=True, help_text=_("The value before (null when created)."))
    new = serializers.JSONField(allow_null=True, help_text=_("The value after."))


class HistoryEntrySerializer(serializers.Serializer):
    """One version of a record: who, when, and which fields it changed (amounts as strings)."""

    id = serializers.UUIDField()
    when = serializers.DateTimeField()
    who = HistoryUserSerializer(allow_null=True)
    action = serializers.ChoiceField(choices=sorted(ACTIONS.values()))
    changes = serializers.DictField(
        child=HistoryChangeSerializer(),
        help_text=_(
            "Field name → old and new value: the fields this version changed; for a creation the values "
            "it was created with; empty for a deletion."
        ),
    )


def history_data(entries: list[Entry]) -> list[dict]:
    def who(user) -> dict | None:
        return None if user is None else {"id": user.pk, "username": user.get_username()}

    # many=True makes it a ListSerializer, whose data is a list (django-stubs types it a dict).
    serializer = HistoryEntrySerializer(
        [
            {
                "id": entry.id,
                "when": entry.when,
                "who": who(entry.user),
                "action": entry.action,
                "changes": {
                    change.name: {
                        "old": plain(change.field, change.old),
                        "new": plain(change.field, change.new),
                    }
                    for change in entry.changes
                },
            }
            for entry in entries
        ],
        many=True,
    )
    return cast(list[dict], serializer.data)


class RulesViewSetMixin(AutoPermissionViewSetMixin):
    """django-rules' viewset permissions, with OPTIONS answered.

    DRF runs OPTIONS as the "metadata" action, which no model rule names: rules' mixin raises
    ImproperlyConfigured (a 500) on every viewset. The answer describes the endpoint and its
    fields (as the schema does) and reads no record: DRF's authentication and permission classes
    still apply, the event-role rules are asked by the actions themselves.
    """

    action: str  # DRF's viewset sets it per request

    def initial(self, request: Request, *args, **kwargs) -> None:
        # The viewset class after these mixins in the MRO holds DRF's initial().
        if self.action == "metadata":
            super(AutoPermissionViewSetMixin, self).initial(request, *args, **kwargs)  # type: ignore[misc]
        else:
            super().initial(request, *args, **kwargs)


class EventScopedViewSet(IdempotentPosts, ConditionalWrites, RetriedWrites, RulesViewSetMixin, viewsets.ModelViewSet):
    """CRUD on an event-owned model: lists hold only the user's events (others' objects answer
    404); each action needs the role that the model's rules name (else 403)."""

    # Each subclass names its event-scoped model: ``objects`` an EventScopedManager, rules' get_perm.
    model: type[Any]
    select_related: tuple[str, ...] = ("event",)
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.model.objects.for_user(self.request.user)
        return queryset.select_related(*self.select_related).prefetch_related(*self.prefetch_related)

    # A model with django-simple-history (organizers/history.py) also gets GET {id}/history/. Its
    # author is the API user: DRF's Request sets the authenticated user (token too) on the Django
    # request, which HistoryRequestMiddleware hands to simple-history at save time.
    @classmethod
    def get_extra_actions(cls):
        actions = super().get_extra_actions()
        if keeps_history(cls.model):
            return actions
        return [extra for extra in actions if extra.__name__ != "history"]

    def initial(self, request: Request, *args, **kwargs) -> None:
        if self.action == "history" and "history" not in self.permission_type_map:
            # The action checks the role itself (it also serves deleted records); a subclass that
            # names its own actions in permission_type_map need not repeat this one.
            self.permission_type_map = {**self.permission_type_map, "history": None}
        super().initial(request, *args, **kwargs)

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every version of the record, newest first: who, when, created/changed/deleted, and the
        fields changed (old and new). Members of the record's event, any role; also for a
        deleted record."""
        try:
            obj = self.get_object()
        except Http404:
            obj = last_known(self.model, pk)  # deleted: its last version names its event
            if obj is None or not request.user.has_perm(self.model.get_perm("view"), obj):
                raise
        if not request.user.has_perm(self.model.get_perm("view"), obj):
            raise exceptions.PermissionDenied
        return Response(history_data(entries(list(records_of(self.model, obj.pk)))))
