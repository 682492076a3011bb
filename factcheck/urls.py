from django.contrib import admin
from django.urls import include, path

from factcheck.health import healthz

admin.site.site_header = "factcheck editors"
admin.site.site_title = "factcheck"
admin.site.index_title = "Claims, verdicts and sources"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("claims.api.urls")),
    path("healthz", healthz, name="healthz"),
]
