"""/api/v1/: the public, read-only API (included from factcheck/urls.py)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from claims.api import views

app_name = "api"

router = SimpleRouter()
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("claimants", views.ClaimantViewSet, basename="claimant")
router.register("sources", views.SourceViewSet, basename="source")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("reviews", views.ExternalReviewViewSet, basename="review")

urlpatterns = [
    path("", views.APIRootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
