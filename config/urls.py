"""URL routes: admin, API, pages, CSP reports; a database failure anywhere is a 503 (config/unavailable.py)."""

from django.contrib import admin
from django.urls import include, path

from config.csp_reports import csp_report

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("digests/", include("digests.urls")),
    # Content-Security-Policy violation reports (report-uri in config/settings.py).
    path("csp-report/", csp_report, name="csp-report"),
    path("", include("timeline.urls")),
]

handler500 = "config.unavailable.server_error"
