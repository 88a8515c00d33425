"""Clip pages, mounted at /clips/."""

from django.urls import path

from publishing import clip_views, views

urlpatterns = [
    path("", views.clip_list, name="clip-list"),
    path("table/", views.clip_list_table, name="clip-list-table"),
    path("<int:clip_id>/", views.clip_detail, name="clip-detail"),
    path("<int:clip_id>/edit/", clip_views.clip_edit, name="clip-edit"),
    path("<int:clip_id>/delete/", clip_views.clip_delete_view, name="clip-delete"),
    path("uploads/<str:upload_id>/discard/", clip_views.upload_discard, name="upload-discard"),
    path("<int:clip_id>/state/", views.clip_state, name="clip-state"),
    path("<int:clip_id>/publish/", views.clip_publish, name="clip-publish"),
    path("<int:clip_id>/text-preview/", views.clip_text_preview, name="clip-text-preview"),
    path("<int:clip_id>/publications/", views.clip_publications, name="clip-publications"),
    path(
        "publications/<int:publication_id>/cancel/",
        views.publication_cancel_view,
        name="publication-cancel",
    ),
    path(
        "publications/undo/",
        views.publication_uncancel_view,
        name="publication-uncancel",
    ),
    path(
        "publications/<int:publication_id>/retry/",
        views.publication_retry_view,
        name="publication-retry",
    ),
]
