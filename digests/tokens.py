"""Signed tokens for the links in digest emails: confirm a subscription, unsubscribe from it.

Both are HMACs over the subscription id with SECRET_KEY (django.core.signing) under their own salt, so one kind
of token cannot stand in for the other and an edited id breaks the signature.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing

CONFIRM_SALT = "digests.confirm"
UNSUBSCRIBE_SALT = "digests.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)


class TokenError(ValueError):
    """A link whose signature does not match, that has expired, or that names no subscription."""


def unsubscribe_token(subscription_id: int) -> str:
    # No expiry: an unsubscribe link in an old digest must keep working (RFC 8058 expects it to).
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription_id))


def unsubscribe_token_read(token: str) -> int:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as error:
        raise TokenError("This unsubscribe link is not valid.") from error


def confirm_token(subscription_id: int, requested_at: datetime) -> str:
    """Bound to the request time, so only the latest confirmation email's link works."""
    value = f"{subscription_id}.{int(requested_at.timestamp() * 1_000_000)}"
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(value)


def confirm_token_read(token: str) -> tuple[int, int]:
    """(subscription id, request time in microseconds) from a confirmation token younger than a week."""
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
        subscription_id, requested = value.split(".", 1)
        return int(subscription_id), int(requested)
    except signing.SignatureExpired as error:
        raise TokenError("This confirmation link has expired; please subscribe again.") from error
    except (signing.BadSignature, ValueError) as error:
        raise TokenError("This confirmation link is not valid.") from error


def requested_stamp(requested_at: datetime) -> int:
    return int(requested_at.timestamp() * 1_000_000)
