"""API routes: the root, developments, named timelines, the change feed, Atom, the OpenAPI schema and its docs.

Swagger UI (/api/docs/) serves its files from drf-spectacular-sidecar, so it works offline; Redoc is left out
because drf-spectacular's Redoc page loads web fonts from the network.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.figure_views import TimelineFigurePNGView, TimelineFigureSVGView
from api.views.alerts import SavedSearchDetailView, SavedSearchListView, SavedSearchSecretView
from api.views.changes import ChangesView, FeedView
from api.views.developments import (
    DevelopmentDetailView,
    DevelopmentFeedView,
    DevelopmentHistoryView,
    DevelopmentListView,
)
from api.views.entities import (
    EntityDetailView,
    EntityDevelopmentsView,
    EntityGraphView,
    EntityListView,
    EntityMergeView,
    EntityUnmergeView,
)
from api.views.entity_history import EntityHistoryView, RelationshipCitationsView, RelationshipHistoryView
from api.views.references import DevelopmentCitationsView, DevelopmentLinkDetailView, DevelopmentLinksView
from api.views.relationships import RelationshipDetailView, RelationshipListView
from api.views.root import ApiRootView
from api.views.stream import ChangeStreamView
from api.views.timelines import TimelineDetailView, TimelineFeedView, TimelineListView

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("developments/", DevelopmentListView.as_view(), name="development-list"),
    # Atom at addresses of their own, for feed readers: the same as ?format=atom on the list and a timeline.
    path("developments/feed/", DevelopmentFeedView.as_view(), {"format": "atom"}, name="development-feed"),
    path("developments/<str:pk>/", DevelopmentDetailView.as_view(), name="development-detail"),
    path("developments/<str:pk>/history/", DevelopmentHistoryView.as_view(), name="development-history"),
    path("developments/<str:pk>/citations/", DevelopmentCitationsView.as_view(), name="development-citations"),
    path("developments/<str:pk>/links/", DevelopmentLinksView.as_view(), name="development-links"),
    path(
        "developments/<str:pk>/links/<str:link_id>/",
        DevelopmentLinkDetailView.as_view(),
        name="development-link-detail",
    ),
    path("entities/", EntityListView.as_view(), name="entity-list"),
    path("entities/<str:pk>/", EntityDetailView.as_view(), name="entity-detail"),
    path("entities/<str:pk>/developments/", EntityDevelopmentsView.as_view(), name="entity-developments"),
    path("entities/<str:pk>/graph/", EntityGraphView.as_view(), name="entity-graph"),
    path("entities/<str:pk>/history/", EntityHistoryView.as_view(), name="entity-history"),
    path("entities/<str:pk>/merge/", EntityMergeView.as_view(), name="entity-merge"),
    path("entities/<str:pk>/unmerge/", EntityUnmergeView.as_view(), name="entity-unmerge"),
    path("relationships/", RelationshipListView.as_view(), name="relationship-list"),
    path("relationships/<str:pk>/", RelationshipDetailView.as_view(), name="relationship-detail"),
    path("relationships/<str:pk>/history/", RelationshipHistoryView.as_view(), name="relationship-history"),
    path("relationships/<str:pk>/citations/", RelationshipCitationsView.as_view(), name="relationship-citations"),
    path("timelines/", TimelineListView.as_view(), name="timeline-list"),
    path("timelines/<str:slug>/", TimelineDetailView.as_view(), name="timeline-detail"),
    path("timelines/<str:slug>/feed/", TimelineFeedView.as_view(), {"format": "atom"}, name="timeline-feed"),
    path("timelines/<str:slug>/figure.svg", TimelineFigureSVGView.as_view(), name="timeline-figure-svg"),
    path("timelines/<str:slug>/figure.png", TimelineFigurePNGView.as_view(), name="timeline-figure-png"),
    path("changes/", ChangesView.as_view(), name="changes"),
    path("changes/stream/", ChangeStreamView.as_view(), name="changes-stream"),
    path("saved-searches/", SavedSearchListView.as_view(), name="saved-search-list"),
    path("saved-searches/<str:pk>/", SavedSearchDetailView.as_view(), name="saved-search-detail"),
    path("saved-searches/<str:pk>/secret/", SavedSearchSecretView.as_view(), name="saved-search-secret"),
    path("feed/", FeedView.as_view(), name="feed"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Our template puts the Content-Security-Policy nonce on the page's inline style and script.
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="swagger-ui",
    ),
]
