from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from factcheck.health import healthz
from front import views as front_views

admin.site.site_header = "factcheck editors"
admin.site.site_title = "factcheck"
admin.site.index_title = "Claims, verdicts and sources"
# The app list already on the index page; as a sidebar it took 340 px from every changelist, and
# at 1280 px pushed a claim's status, verdict and "needs attention" off-screen.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("claims.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", front_views.robots, name="robots"),
    path("sitemap.xml", front_views.sitemap_index, name="sitemap"),
    path("sitemap-<section>.xml", front_views.sitemap_section, name="sitemap-section"),
    # The public pages: /en/…, /uk/…, /ru/…; a bare / is redirected to the reader's language.
    *i18n_patterns(path("", include("front.urls"))),
]
