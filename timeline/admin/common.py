"""Helpers shared by the curation admin pages: page context, service errors on forms, safe links, form tokens."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString


def actor_of(request: HttpRequest) -> str:
    """Who is acting, as the event metadata records it."""
    return str(request.user.get_username())


def page_context(request: HttpRequest, model_admin: admin.ModelAdmin, title: str, **extra: Any) -> dict[str, Any]:
    """The context every admin page template needs (site header, user links, breadcrumbs)."""
    opts = model_admin.model._meta
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "title": title,
        "has_view_permission": model_admin.has_view_permission(request),
        "has_change_permission": model_admin.has_change_permission(request),
        **extra,
    }


def add_service_errors(
    error: ValidationError, forms_by_prefix: Mapping[str, forms.Form], aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError({field: [messages]}) on the form fields it names.

    `forms_by_prefix` maps a key prefix ("" for the main form, "citations[0]." for a citation) to a form; a key
    naming no field of that form (e.g. "changes", "status") becomes a non-field error of the main form.
    """
    aliases = aliases or {}
    main = forms_by_prefix[""]
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for key, texts in messages.items():
        key = aliases.get(key, key)
        target: forms.Form = main
        field: str | None = None
        for prefix, form in sorted(forms_by_prefix.items(), key=lambda item: -len(item[0])):
            if prefix and key.startswith(prefix):
                target, field = form, key.removeprefix(prefix)
                break
        else:
            field = key
        if field not in target.fields:
            target, field = main, None
        for text in texts:
            target.add_error(field, text)


def new_token() -> str:
    """A fresh form token: the event id of what the form will do, so a double submit is recorded once."""
    return str(uuid.uuid4())


def safe_link(url: str, text: str | None = None) -> SafeString:
    """A link only for http(s) URLs; anything else (javascript:, data:) is shown as inert text."""
    shown = text if text is not None else url
    if not url:
        return format_html("{}", shown)
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return format_html('<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>', url, shown)
    return format_html("{} <span class='quiet'>({})</span>", shown, url)
