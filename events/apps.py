"""App configuration for the event store."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Event store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import checks  # noqa: F401  (registers the deploy check)
        from events.privileges import grant_app_role_after_migrate

        # Once per migrate (sender: this app), after every app's migrations, so new tables are covered too.
        post_migrate.connect(grant_app_role_after_migrate, sender=self, dispatch_uid="events.grant_app_role")
