"""Content-Security-Policy violation reports: browsers post them here, each is logged, and the answer is 204.

The policy (CONTENT_SECURITY_POLICY in config/settings.py) names this endpoint in report-uri, so a page the policy
breaks, or a script it blocked, shows up in the log instead of being silently felt. Anyone can post here: browsers
send no cookie or CSRF token with a report, so the view is anonymous and CSRF-exempt, and it guards itself:
a body over CSP_REPORT_MAX_BYTES is refused (413) before it is parsed, and past CSP_REPORTS_PER_CLIENT_PER_MINUTE
reports from one client address (config/client_address.py) the rest of that minute answer 429 and are not logged,
so a flood cannot fill the log. Nothing is stored: the log is where an operator looks.

Both report formats are read: report-uri's `{"csp-report": {...}}` (application/csp-report) and the Reporting
API's list of `{"type": "csp-violation", "body": {...}}` (application/reports+json), should report-to be added.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.client_address import client_address
from config.shared_cache import CACHE_ERRORS, log_unavailable

logger = logging.getLogger("config.csp_reports")

# Each logged field is cut to this many characters: a report is evidence, not a place to store a page.
FIELD_CHARS = 300


@dataclass(frozen=True)
class Violation:
    """One violation, in the fields an operator needs to find what was blocked and where."""

    document: str
    directive: str
    blocked: str
    source: str
    line: str
    sample: str
    disposition: str


class ReportError(ValueError):
    """The body is not a CSP report in either format."""


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:FIELD_CHARS]


def _from_report_uri(body: dict[str, Any]) -> Violation:
    return Violation(
        document=_text(body.get("document-uri")),
        directive=_text(body.get("effective-directive") or body.get("violated-directive")),
        blocked=_text(body.get("blocked-uri")),
        source=_text(body.get("source-file")),
        line=_text(body.get("line-number")),
        sample=_text(body.get("script-sample")),
        disposition=_text(body.get("disposition")),
    )


def _from_reporting_api(body: dict[str, Any]) -> Violation:
    return Violation(
        document=_text(body.get("documentURL")),
        directive=_text(body.get("effectiveDirective")),
        blocked=_text(body.get("blockedURL")),
        source=_text(body.get("sourceFile")),
        line=_text(body.get("lineNumber")),
        sample=_text(body.get("sample")),
        disposition=_text(body.get("disposition")),
    )


def violations_parse(raw: bytes) -> list[Violation]:
    """The violations in a report body, or ReportError saying why it is not one."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise ReportError("the body is not JSON") from error
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        return [_from_report_uri(data["csp-report"])]
    if isinstance(data, list):
        found = [
            _from_reporting_api(entry["body"])
            for entry in data
            if isinstance(entry, dict) and entry.get("type") == "csp-violation" and isinstance(entry.get("body"), dict)
        ]
        if found:
            return found
    raise ReportError("the body holds no csp-report and no csp-violation")


def _within_rate(address: str) -> bool:
    """Count this report against the client's minute; False once the minute's allowance is spent.

    The minute starts at the client's first report (the count expires 60 s after it was created)."""
    key = f"csp-report:{address}"
    try:
        cache.add(key, 0, timeout=60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=60)
            count = 1
    except CACHE_ERRORS as error:
        log_unavailable("CSP report rate limit", error)
        return True
    return int(count) <= int(settings.CSP_REPORTS_PER_CLIENT_PER_MINUTE)


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    limit = int(settings.CSP_REPORT_MAX_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return HttpResponse(status=413)
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return HttpResponse(status=413)
    address = client_address(request)
    if not _within_rate(address):
        return HttpResponse(status=429)
    try:
        violations = violations_parse(raw)
    except ReportError as error:
        return HttpResponse(f"Not a CSP report: {error}.\n", status=400, content_type="text/plain; charset=utf-8")
    for violation in violations:
        # %r keeps whatever a client put in a field on one line of the log.
        logger.warning(
            "CSP violation: %r blocked %r on %r (source %r line %r, sample %r, %s, client %s)",
            violation.directive,
            violation.blocked,
            violation.document,
            violation.source,
            violation.line,
            violation.sample,
            violation.disposition or "enforce",
            address,
            extra={"csp_violation": asdict(violation)},
        )
    return HttpResponse(status=204)
