"""URL routes: the admin and the API; a database failure anywhere is a 503 (config/unavailable.py)."""

from django.contrib import admin
from django.urls import include, path

from interop.admin_views import import_developments

urlpatterns = [
    # Before the admin's own routes, which would answer 404 for a path they do not know.
    path("admin/import-developments/", import_developments, name="admin-import-developments"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("digests/", include("digests.urls")),
    path("", include("interop.urls")),
    path("", include("timeline.urls")),
]

handler500 = "config.unavailable.server_error"
