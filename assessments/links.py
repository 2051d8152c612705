"""The base of the site's permanent links (the scorecard's address and QR code, evidence
downloads, mails, the open-data package): the one place that decides it.

SITE_URL when it is set; else the request's own scheme and host, so a page served on
another host or port links to itself; else (no request: mails, the task worker, the
open-data package) the development server's address, as before SITE_URL could be empty.
"""

from django.conf import settings

# Without SITE_URL and without a request: what `make run` serves.
FALLBACK = "http://127.0.0.1:8000"


def site_base(request=None):
    """ "scheme://host[:port]" without a trailing slash."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK
