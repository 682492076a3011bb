from django.contrib import admin
from django.urls import path

admin.site.site_header = "factcheck editors"
admin.site.site_title = "factcheck"
admin.site.index_title = "Claims, verdicts and sources"

urlpatterns = [
    path("admin/", admin.site.urls),
]
