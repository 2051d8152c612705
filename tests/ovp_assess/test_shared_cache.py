"""The shared cache (CACHE_URL): every value shared, and a Redis that stops answering is a
miss, never a 500, reported by /healthz as degraded until it answers again."""

import time

import pytest
from django.core.cache import cache, caches
from django.test import override_settings
from django.urls import reverse

from cities.models import City
from ops import redis_server
from ovp_assess.redis_cache import ResilientRedisCache, cache_status
from reports import cache as reports_cache

pytestmark = pytest.mark.django_db


def redis_caches(port, retry_after=0.2):
    return {
        "default": {
            "BACKEND": "ovp_assess.redis_cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"RETRY_AFTER": retry_after},
        }
    }


@pytest.fixture
def redis(tmp_path):
    with redis_server.running(tmp_path) as (port, proc):
        yield port


@pytest.fixture
def dead_port():
    return redis_server.free_port()  # nothing listens there


def test_an_unreachable_redis_is_a_miss_for_every_call(dead_port):
    with override_settings(CACHES=redis_caches(dead_port)):
        assert cache.get("k", "default") == "default"
        cache.set("k", 1)
        assert cache.add("k", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.incr("n", 3) == 3  # the count starts again
        cache.delete("k")
        assert cache_status()[0] == "degraded"


def test_the_breaker_stops_asking_a_dead_redis_then_tries_again(dead_port, monkeypatch):
    with override_settings(CACHES=redis_caches(dead_port, retry_after=0.3)):
        backend = caches["default"]
        calls = []
        real = backend._cache.get
        monkeypatch.setattr(backend._cache, "get", lambda *a: calls.append(a) or real(*a))
        for _ in range(20):
            assert cache.get("k") is None
        assert len(calls) == 1  # one failed attempt, then misses without a connection
        time.sleep(0.35)
        cache.get("k")
        assert len(calls) == 2


def test_healthz_says_degraded_with_200_while_the_cache_is_down(client, dead_port):
    with override_settings(CACHES=redis_caches(dead_port)):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content.decode().startswith("degraded: cache unavailable")


def test_healthz_says_ok_with_a_live_redis(client, redis):
    with override_settings(CACHES=redis_caches(redis)):
        response = client.get(reverse("healthz"))
    assert (response.status_code, response.content) == (200, b"ok")


def test_pages_work_and_recover_when_redis_stops_and_returns(client, tmp_path):
    port = redis_server.free_port()
    proc = redis_server.start(port, tmp_path)
    try:
        with override_settings(CACHES=redis_caches(port, retry_after=0.2)):
            assert isinstance(caches["default"], ResilientRedisCache)
            assert client.get(reverse("home")).status_code == 200
            assert client.get(reverse("healthz")).content == b"ok"
            redis_server.stop(proc)
            statuses = [client.get(reverse(name)).status_code for name in ("home", "home")]
            assert statuses == [200, 200]
            assert client.get(reverse("healthz")).content.startswith(b"degraded")
            proc = redis_server.start(port, tmp_path)
            time.sleep(0.25)
            assert client.get(reverse("healthz")).content == b"ok"
            cache.set("back", "yes")
            assert cache.get("back") == "yes"
    finally:
        redis_server.stop(proc)


def test_data_cached_in_redis_is_shared_and_picklable(redis):
    with override_settings(CACHES=redis_caches(redis)):
        stamp = reports_cache.data_stamp()
        built = []
        value = reports_cache.cached("t", lambda: built.append(1) or {"a": [1, 2]}, stamp=stamp)
        reports_cache.clear()  # another process: nothing in its memory
        again = reports_cache.cached("t", lambda: built.append(1) or {"a": [0]}, stamp=stamp)
    assert (value, again, built) == ({"a": [1, 2]}, {"a": [1, 2]}, [1])


def test_an_edit_of_reference_data_moves_every_processs_keys(report):
    before = reports_cache.data_stamp()
    city = City.objects.first()
    city.name = "Renamed"
    city.save()
    after_save = reports_cache.data_stamp()
    City.objects.filter(pk=city.pk).delete()
    after_delete = reports_cache.data_stamp()
    assert len({before, after_save, after_delete}) == 3
