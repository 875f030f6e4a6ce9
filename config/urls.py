"""URL routes: the admin and the API."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("digests/", include("digests.urls")),
    path("", include("timeline.urls")),
]
