from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from activities.api.views import ActivityViewSet, LocationViewSet
from finance.api import routes as finance_routes
from geventator.health import healthz
from organizers.api.auth import ApiTokenViewSet, ObtainAuthTokenView
from organizers.api.views import EventViewSet, MembershipViewSet

# The admin is the main UI: branded, in the active language (lazy strings).
admin.site.site_header = _("GEventator")
admin.site.site_title = _("GEventator")
admin.site.index_title = _("Your events and their money")

router = DefaultRouter()
router.register("events", EventViewSet, basename="event")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("tokens", ApiTokenViewSet, basename="apitoken")
finance_routes.register(router)
router.register("locations", LocationViewSet, basename="location")
router.register("activities", ActivityViewSet, basename="activity")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Also answered by HealthCheckMiddleware, ahead of the Host check (see geventator/health.py).
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Django's set_language view: the admin's language switcher posts here (a cookie, no session).
    path("i18n/", include("django.conf.urls.i18n")),
    path("calendar/", include("activities.urls")),
    # Receipt downloads (members of the receipt's event only); uploads are never served otherwise.
    path("finance/", include("finance.urls")),
    # Before the router: its activities/<pk>/ route would take "export" and "import" for ids.
    path("api/", include("activities.api.urls")),
    path("api/", include("finance.api.urls")),
    path("api/", include(router.urls)),
    path("api/auth/token/", ObtainAuthTokenView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
