"""The browser-side defences on every response: the Content-Security-Policy's directives (django-csp) and the
browser features the Permissions-Policy switches off (django-permissions-policy). config.settings wraps them into
CONTENT_SECURITY_POLICY and PERMISSIONS_POLICY; nothing here reads the environment."""

from __future__ import annotations

from csp.constants import NONCE, NONE, REPORT_SAMPLE, SELF

# Pages show text that came from outside (feed items, candidate summaries, citations); it is escaped, and this
# policy is the second line: if one escape is ever missed, an injected script, handler or form still does not run
# in an analyst's session. Each source, and why it is there:
CSP_DIRECTIVES = {
    # Anything not named below: only this site.
    "default-src": [SELF],
    # Scripts: files from this site (the admin's, Swagger UI's from drf-spectacular-sidecar) and inline blocks
    # carrying this response's nonce. Never 'unsafe-inline' or 'unsafe-eval': an injected <script> or
    # onclick= has no nonce, so it does not run. 'report-sample' puts the blocked code's first characters in
    # the violation report, so the log shows what was stopped.
    "script-src": [SELF, NONCE, REPORT_SAMPLE],
    # Styles: stylesheets from this site and the few inline <style> blocks of our templates, which carry the
    # nonce. No 'unsafe-inline': injected markup cannot restyle a page to hide or fake a control.
    "style-src": [SELF, NONCE, REPORT_SAMPLE],
    # Images: this site, and data: URIs, which Swagger UI's stylesheet uses for its small icons and the public
    # pages for their empty favicon.
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    # fetch/XHR: Swagger UI reads the schema and tries requests against this site's API only.
    "connect-src": [SELF],
    # No plugins, no <base> that would move relative links, forms post only here, no page in anyone's frame
    # (nothing here is meant to be embedded: the figure is served as an SVG file, with its own policy).
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    # Violations are posted to config/csp_reports.py, which logs them (report-uri: sent at once by every
    # browser; report-to would make Chromium batch them and ignore report-uri).
    "report-uri": ["/csp-report/"],
}

# The pages use none of these browser features, so none of them is available to any page or frame, whatever
# script ends up on it.
UNUSED_BROWSER_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
