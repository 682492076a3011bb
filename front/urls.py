"""Public pages, each under its language prefix (wired with i18n_patterns in factcheck/urls.py)."""

from django.urls import path

from front import views

app_name = "front"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/<int:pk>/", views.claim, name="claim"),
    path("claimants/<slug:slug>/", views.claimant, name="claimant"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("search/", views.search, name="search"),
    path("feed/", views.feed, name="feed"),
]
