"""The app's URLs plus /bench/bare/: the baseline the API transaction list is compared with.

The bare view reads the same page (event, kind, by date, 50 rows) and answers it as JSON with no
authentication, permissions, filter set, serializer or pagination count: what Django alone costs.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from finance.models import Transaction
from geventator.urls import urlpatterns as app_urlpatterns

FIELDS = ("id", "event_id", "kind", "status", "amount", "currency", "base_amount", "date", "description")


def bare(request: HttpRequest) -> JsonResponse:
    rows = Transaction.objects.filter(event_id=request.GET["event"], kind=request.GET["kind"])
    page = list(rows.order_by("date", "pk").values(*FIELDS)[:50])
    return JsonResponse({"results": page})


urlpatterns = [path("bench/bare/", bare), *app_urlpatterns]
