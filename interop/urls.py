"""The field's feeds: TAXII 2.1 at /taxii2/ (discovery, API root, collections, objects, manifests) and the
MISP feed at /misp/feed/ (manifest.json, hashes.csv, one event per development), and the embeddable
TimelineJS page at /embed/timelines/{slug}/."""

from django.urls import path

from interop import views

urlpatterns = [
    path("taxii2/", views.discovery, name="taxii-discovery"),
    path("taxii2/api/", views.api_root, name="taxii-api-root"),
    path("taxii2/api/collections/", views.collections, name="taxii-collections"),
    path("taxii2/api/collections/<str:collection_id>/", views.collection, name="taxii-collection"),
    path("taxii2/api/collections/<str:collection_id>/objects/", views.objects, name="taxii-objects"),
    path("taxii2/api/collections/<str:collection_id>/manifest/", views.manifest, name="taxii-manifest"),
    path("misp/feed/manifest.json", views.misp_manifest, name="misp-manifest"),
    path("misp/feed/hashes.csv", views.misp_hashes, name="misp-hashes"),
    path("misp/feed/<str:event>.json", views.misp_event, name="misp-event"),
    path("embed/timelines/<slug:slug>/", views.embed_timeline, name="embed-timeline"),
]
