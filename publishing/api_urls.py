"""API routes for clips and publications, mounted at /api/v1/."""

from rest_framework.routers import SimpleRouter

from publishing import api

router = SimpleRouter()
router.register("clips", api.ClipViewSet, basename="api-clip")
router.register("publications", api.PublicationViewSet, basename="api-publication")

urlpatterns = router.urls
