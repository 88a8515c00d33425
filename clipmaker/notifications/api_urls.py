"""API routes for notifications, mounted at /api/v1/."""

from rest_framework.routers import SimpleRouter

from clipmaker.notifications import api

router = SimpleRouter()
router.register("notifications", api.NotificationViewSet, basename="api-notification")

urlpatterns = router.urls
