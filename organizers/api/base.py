"""The API's one scoping mechanism: every event-owned resource uses these classes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, viewsets
from rules.contrib.rest_framework import AutoPermissionViewSetMixin

from organizers.models import Event


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to what the requesting user can see: another event's id is "not found"."""

    def get_queryset(self):
        return super().get_queryset().for_user(self.context["request"].user)


class ModelCleanSerializer(serializers.ModelSerializer):
    """Runs the model's clean() and constraints, so the API refuses what the admin refuses."""

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        model = self.Meta.model
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
        model_fields = {f.name for f in self.Meta.model._meta.concrete_fields if not f.is_relation}
        return [field.source for field in self.fields.values() if not field.read_only and field.source in model_fields]

    def prepare_for_clean(self, instance, attrs: dict) -> None:
        """Hook: set on the copy what clean() needs beyond the plain fields."""


class EventScopedSerializer(ModelCleanSerializer):
    event = ScopedRelatedField(queryset=Event.objects.all())

    def validate_event(self, event: Event) -> Event:
        if self.instance is not None and self.instance.event_id != event.pk:
            raise serializers.ValidationError(_("An existing record cannot move to another event."))
        action = "change" if self.instance is not None else "add"
        if not self.context["request"].user.has_perm(self.Meta.model.get_perm(action), event):
            # The user sees the event but their role there is too low (the view's check only
            # knew they may add in *some* event): that is a permission refusal, not bad input.
            raise exceptions.PermissionDenied(_("Your role in this event does not allow this."))
        return event


class EventScopedViewSet(AutoPermissionViewSetMixin, viewsets.ModelViewSet):
    """CRUD on an event-owned model: lists hold only the user's events (others' objects answer
    404); each action needs the role that the model's rules name (else 403)."""

    model = None
    select_related: tuple[str, ...] = ("event",)
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.model.objects.for_user(self.request.user)
        return queryset.select_related(*self.select_related).prefetch_related(*self.prefetch_related)
