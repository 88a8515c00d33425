"""«Настройки → Безопасность», mounted at /settings/security/."""

from django.urls import path

from clipmaker.accounts import views

urlpatterns = [
    path("", views.security, name="security"),
    path("tokens/", views.token_create, name="security-token-create"),
    path("tokens/revoke-all/", views.token_revoke_all, name="security-token-revoke-all"),
    path("tokens/<str:token_id>/revoke/", views.token_revoke, name="security-token-revoke"),
    path("password/", views.password_change, name="security-password"),
    path("time-zone/", views.time_zone_change, name="time-zone"),
]
