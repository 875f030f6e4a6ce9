"""TAXII 2.1 routes, mounted at /taxii2/: discovery, the API root, collections, objects and manifests."""

from django.urls import path

from interop import views

urlpatterns = [
    path("", views.discovery, name="taxii-discovery"),
    path("api/", views.api_root, name="taxii-api-root"),
    path("api/collections/", views.collections, name="taxii-collections"),
    path("api/collections/<str:collection_id>/", views.collection, name="taxii-collection"),
    path("api/collections/<str:collection_id>/objects/", views.objects, name="taxii-objects"),
    path("api/collections/<str:collection_id>/manifest/", views.manifest, name="taxii-manifest"),
]
