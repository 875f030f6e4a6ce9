"""Saved-search pages (alerts.web)."""

from django.urls import path

from alerts import web

urlpatterns = [
    path("", web.saved_search_list, name="saved-searches-page"),
    path("<int:pk>/delete/", web.saved_search_delete, name="saved-search-delete-page"),
]
