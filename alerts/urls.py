"""Saved-search pages (alerts.web)."""

from django.urls import path

from alerts import web

urlpatterns = [
    path("", web.saved_search_list, name="saved-searches-page"),
    path("<int:pk>/", web.saved_search_edit, name="saved-search-edit-page"),
    path("<int:pk>/delete/", web.saved_search_delete, name="saved-search-delete-page"),
    path("<int:pk>/secret/", web.saved_search_rotate_secret, name="saved-search-secret-page"),
    path("<int:pk>/enable/", web.saved_search_enable_webhook, name="saved-search-enable-page"),
]
