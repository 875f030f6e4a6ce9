"""Public pages: the landing page, the named timelines with Figure 1, one development with its history, and one
entity with its relationships."""

from django.urls import path

from timeline import entity_pages, web

urlpatterns = [
    path("", web.home, name="home"),
    path("timelines/", web.timeline_index, name="timeline-index"),
    path("timelines/<slug:slug>/", web.timeline_page, name="timeline-page"),
    path("developments/<uuid:development_id>/", web.development_page, name="development-page"),
    path("entities/<slug:entity_id>/", entity_pages.entity_page, name="entity-page"),
]
