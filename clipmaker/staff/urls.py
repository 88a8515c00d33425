from django.urls import path

from clipmaker.staff import views

app_name = "staff"
urlpatterns = [path("", views.overview, name="overview")]
