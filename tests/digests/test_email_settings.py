"""EMAIL_URL read into Django's email settings (config.settings.email_settings_from_url)."""

from __future__ import annotations

import pytest

from config.settings import email_settings_from_url


def test_an_smtp_url_with_credentials_and_starttls_becomes_smtp_settings() -> None:
    assert email_settings_from_url("submission://digest%40example.org:s3cret@mail.example.org") == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "digest@example.org",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
    }


def test_smtps_console_and_file_urls() -> None:
    smtps = email_settings_from_url("smtps://mail.example.org")
    assert (smtps["EMAIL_PORT"], smtps["EMAIL_USE_SSL"], smtps["EMAIL_USE_TLS"]) == (465, True, False)
    assert email_settings_from_url("smtp://127.0.0.1:2525?tls=1")["EMAIL_USE_TLS"] is True
    assert email_settings_from_url("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_settings_from_url("file:///var/mail/out") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/out",
    }


def test_an_unknown_scheme_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="not smtp"):
        email_settings_from_url("http://mail.example.org")
