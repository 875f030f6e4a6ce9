"""Public pages: the landing page, the named timelines with Figure 1, and one development with its history."""

from django.urls import path

from timeline import web

urlpatterns = [
    path("", web.home, name="home"),
    path("timelines/", web.timeline_index, name="timeline-index"),
    path("timelines/<slug:slug>/", web.timeline_page, name="timeline-page"),
    path("developments/<uuid:development_id>/", web.development_page, name="development-page"),
]
