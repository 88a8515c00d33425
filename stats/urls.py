"""Stats pages, mounted at /clips/ beside the clip pages."""

from django.urls import path

from stats import views

urlpatterns = [
    path("<int:clip_id>/stats/", views.clip_stats, name="clip-stats"),
]
