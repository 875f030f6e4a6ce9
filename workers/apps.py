"""App configuration for the Celery workers: the heartbeat model lives here, the tasks in tasks.py."""

from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = "Workers"
    default_auto_field = "django.db.models.BigAutoField"
