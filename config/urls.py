"""URL routes: the admin and the API; a database failure anywhere is a 503 (config/unavailable.py)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("digests/", include("digests.urls")),
    path("", include("interop.urls")),
    path("", include("timeline.urls")),
]

handler500 = "config.unavailable.server_error"
