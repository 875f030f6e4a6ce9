"""App configuration for the REST API (Django REST framework)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Timeline API"
    default_auto_field = "django.db.models.BigAutoField"
