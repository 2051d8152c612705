"""A small per-address limiter for the public endpoints that send mail or check tokens.

Counts live in Django's cache (shared between servers when CACHE_URL names Redis), one
counter per (scope, client address, time window); the address comes from the same callable
login throttling uses, so a proxy's X-Forwarded-For is read the same way.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string


def client_address(request):
    return import_string(settings.AXES_CLIENT_IP_CALLABLE)(request) or "unknown"


def allow(request, *, scope, limit, window=3600):
    """True while the client has made at most `limit` requests of `scope` in this window."""
    bucket = int(time.time() // window)
    key = f"throttle:{scope}:{client_address(request)}:{bucket}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit
