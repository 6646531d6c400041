"""Finance API routes that the root router does not cover (reports, actions on an event)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
