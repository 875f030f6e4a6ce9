"""EMAIL_URL read into Django's email settings (config.settings applies them when EMAIL_URL is set)."""

from __future__ import annotations


def email_settings_from_url(url: str) -> dict[str, object]:
    """EMAIL_URL as Django settings: smtp://user:pass@host:587?tls=1, smtps://host:465, console://, file:///path."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parts.path}
    if parts.scheme not in {"smtp", "smtps", "submission"}:
        raise ValueError(f"EMAIL_URL scheme '{parts.scheme}' is not smtp, smtps, submission, console or file")
    truthy = {"1", "true", "yes", "on"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or {"smtp": 25, "smtps": 465, "submission": 587}[parts.scheme],
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps" or query.get("ssl", "").lower() in truthy,
        "EMAIL_USE_TLS": parts.scheme == "submission" or query.get("tls", "").lower() in truthy,
    }
