"""Django's Redis cache, made to degrade to a miss instead of failing the request.

A shared cache is an optimisation: every value in it can be computed again from the
database. So when Redis stops answering, reads return the default (a miss), writes and
deletes do nothing, and `incr` starts the count again (the limiter in
assessments/throttle.py lets the request through rather than answer 500). After a failure
the process stops asking Redis for RETRY_AFTER seconds (a request must not wait for a
connection timeout on every cache call), then tries again by itself: nothing needs a
restart when Redis comes back. `/healthz` reports "degraded" while this is so
(`cache_status`).

Settings (ovp_assess/settings.py): CACHE_URL or REDIS_URL, e.g. redis://redis:6379/0.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger("ovp.cache")

# Errors of an unreachable, restarting or refusing server (OSError: refused sockets).
UNAVAILABLE = (RedisError, OSError)


class ResilientRedisCache(RedisCache):
    """RedisCache whose failures are misses; see the module's docstring."""

    # Read by reports.cache (which may not import this project package): values put here
    # are seen by every process and machine.
    shared = True

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", 2.0))
        # One try per call: redis-py retries three times by default, which multiplies the
        # wait for a dead server by four on every cache call of a request.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0
        self._last_error = ""  # empty while Redis answers
        self._state_lock = threading.Lock()

    # -- the breaker ---------------------------------------------------------------------

    def available(self):
        """False while this process has stopped asking Redis after a failure."""
        return time.monotonic() >= self._down_until

    def _failed(self, exc):
        with self._state_lock:
            first = not self._last_error
            self._down_until = time.monotonic() + self.retry_after
            self._last_error = f"{type(exc).__name__}: {exc}"
        if first:  # once per outage, not once per retry
            logger.warning("shared cache unavailable, serving without it: %s", exc)

    def _call(self, fallback, method, *args, **kwargs):
        if not self.available():
            return fallback
        try:
            result = method(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._failed(exc)
            return fallback
        self._answered()
        return result

    def _answered(self):
        if self._last_error:
            with self._state_lock:
                if self._last_error:
                    logger.warning("shared cache answering again")
                    self._last_error = ""

    def status(self):
        """("ok" | "degraded", detail): asks Redis once (PING) unless the breaker is open."""
        if self.available():
            try:
                self._cache.get_client(write=False).ping()
            except UNAVAILABLE as exc:
                self._failed(exc)
            else:
                self._answered()
        if self.available():
            return "ok", ""
        return "degraded", self._last_error

    # -- the cache API, each call through the breaker ------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError (Django's contract); an unavailable
        # server counts from `delta` again.
        return self._call(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)


def cache_status(alias="default"):
    """("ok" | "degraded", detail) of a cache; a per-process cache is always ok."""
    backend = caches[alias]
    if isinstance(backend, ResilientRedisCache):
        return backend.status()
    return "ok", ""
