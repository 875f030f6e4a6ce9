"""App configuration for interop: the field's formats in and out (STIX 2.1, TAXII 2.1, MISP, spreadsheets)."""

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    default_auto_field = "django.db.models.BigAutoField"
