"""The signed-in organizer's personal calendar feed: its URL, and a way to replace it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import feeds
from organizers.idempotency import IdempotentPosts

FeedUrlSerializer = inline_serializer("CalendarFeed", {"url": serializers.URLField()})
# The URL is the feed's secret: as the feed itself, it is kept out of every cache.
NO_STORE = {"Cache-Control": "private, no-store"}


class CalendarFeedView(APIView):
    @extend_schema(responses=FeedUrlSerializer, summary="Your personal calendar feed URL (made on first use)")
    def get(self, request: Request) -> Response:
        return Response({"url": feeds.personal_feed_url(request, request.user)}, headers=NO_STORE)


class CalendarRegenerateView(IdempotentPosts, APIView):
    @extend_schema(request=None, responses=FeedUrlSerializer, summary="Replace your feed URL; the old one answers 404")
    def post(self, request: Request) -> Response:
        feeds.token_for(request.user).regenerate()
        return Response({"url": feeds.personal_feed_url(request, request.user)}, headers=NO_STORE)
