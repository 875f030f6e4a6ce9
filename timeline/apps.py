"""App configuration for the timeline domain: registers its event types and projectors with the store."""

from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "timeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import registry
        from timeline import domain
        from timeline.projections import (
            DevelopmentLinkProjector,
            DevelopmentProjector,
            EntityProjector,
            RelationshipProjector,
            TimelineProjector,
        )
        from timeline.search import SearchProjector

        domain.register_event_types()
        # Order matters: developments link to entities, so entities are projected first (and reset last).
        registry.register_projector(EntityProjector())
        developments = DevelopmentProjector()
        registry.register_projector(developments)
        # The search index reads the history rows the developments projector has just written.
        registry.register_projector(SearchProjector(developments))
        registry.register_projector(DevelopmentLinkProjector())
        registry.register_projector(RelationshipProjector())
        registry.register_projector(TimelineProjector())
        # The same read models built set-based from the whole log, where the database allows (PostgreSQL).
        from timeline.bulk_rebuild import BulkRebuilder

        registry.register_bulk_rebuilder(BulkRebuilder())

        # The curation roles' permissions, completed after every migrate (timeline/roles.py).
        from django.db.models.signals import post_migrate

        from timeline.roles import sync_after_migrate

        post_migrate.connect(sync_after_migrate, dispatch_uid="timeline.roles.sync_after_migrate")
