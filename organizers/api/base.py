"""The API's one scoping mechanism: every event-owned resource uses these classes."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
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
        try:
            instance.clean()
            instance.validate_constraints()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            ) from exc
        # clean() may fill defaults (e.g. the event's currency): keep them.
        for key in plain:
            attrs[key] = getattr(instance, key)
        return attrs

    def prepare_for_clean(self, instance, attrs: dict) -> None:
        """Hook: set on the copy what clean() needs beyond the plain fields."""


class EventScopedSerializer(ModelCleanSerializer):
    event = ScopedRelatedField(queryset=Event.objects.all())

    def validate_event(self, event: Event) -> Event:
        if self.instance is not None and self.instance.event_id != event.pk:
            raise serializers.ValidationError(_("An existing record cannot move to another event."))
        action = "change" if self.instance is not None else "add"
        if not self.context["request"].user.has_perm(self.Meta.model.get_perm(action), event):
            raise serializers.ValidationError(_("Your role in this event does not allow this."))
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
