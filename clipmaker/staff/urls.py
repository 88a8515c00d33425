from django.urls import path

from clipmaker.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("connect-limit/reset/", views.connect_limit_reset_view, name="connect-limit-reset"),
]
