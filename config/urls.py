"""URL routes: admin, API, pages, CSP reports; a database failure anywhere is a 503 (config/unavailable.py)."""

from django.contrib import admin
from django.urls import include, path

from config.csp_reports import csp_report
from interop.admin_views import import_developments

urlpatterns = [
    # Before the admin's own routes, which would answer 404 for a path they do not know.
    path("admin/import-developments/", import_developments, name="admin-import-developments"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("digests/", include("digests.urls")),
    path("saved-searches/", include("alerts.urls")),
    # Content-Security-Policy violation reports (report-uri in config/settings.py).
    path("csp-report/", csp_report, name="csp-report"),
    path("", include("interop.urls")),
    path("", include("timeline.urls")),
]

handler500 = "config.unavailable.server_error"
