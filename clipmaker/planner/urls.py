"""The calendar, mounted at /calendar/."""

from django.urls import path

from clipmaker.planner import views

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path(
        "publications/<int:publication_id>/move/",
        views.publication_move,
        name="calendar-move",
    ),
]
