"""Every cache of OVP Assess: what it holds, keyed on what, invalidated by what.

1. **The published-data stamp** (`data_stamp`): not a cache but what keys the others. One
   query (about 1 ms at 5,000 assessments) over the assessments and offices tables; it
   moves with every workflow step (each bumps an assessment's version and updated_at),
   every admin save of an assessment, and every deletion (the count), so it moves whenever
   published data can change, in every process at once.
2. **The data cache** (`cached`): computed data that is the same for every viewer (the
   dashboard's sample and figures, the list of published cycles). Per process, in memory,
   at most MAX_ENTRIES values for TTL seconds. Key: name, caller's key, language, stamp and
   the local generation.
3. **The page cache** (`public_content`): the rendered content of the public pages (home,
   cities, city, matrix), without the header with its per-user parts. Kept only for
   visitors who see published data only (`assessments.access.sees_published_only`, the
   same rule that decides what anyone may read), or for every visitor on pages that show
   published data only. Django's default cache, TTL seconds. Key: page name, query,
   language, stamp and the local generation.
4. **Scorecard PDFs** live on disk (`reports.scorecard_cache`), one file per assessment
   version, status, language, paper and print layout: a new version is a new key, so they
   need no invalidation.
5. **The open-data package** lives on disk (`reports.opendata_cache`), one folder per
   stamp: a publication is a new key; edits of reference data remove the folders.

The local generation moves on every save or deletion of the reference data that pages
show besides assessments (cities, countries, offices, facts, criteria, rubric, examples)
and of assessments and entries, through the signals that `ReportsConfig.ready()` connects
(`connect_signals`). An edit in the admin therefore shows at once in the process that made
it and within TTL seconds in the others.
"""

import hashlib
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from assessments.access import sees_published_only
from assessments.models import Assessment, Entry
from cities.models import City, Country, Office, SourcedFact
from criteria.models import Criterion, PeerExample, RubricLevel

TTL = 300
# An overview of 1,000 offices (sample, charts, JSON) takes about 2 MB: at most ~25 MB.
MAX_ENTRIES = 12
WATCHED = (
    Assessment,
    Entry,
    City,
    Country,
    Office,
    SourcedFact,
    Criterion,
    PeerExample,
    RubricLevel,
)

_data = OrderedDict()
_lock = threading.Lock()
_generation = [0]


def data_stamp():
    """A tuple that changes whenever published data can change (one query)."""
    a, o = Assessment._meta.db_table, Office._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(version), MAX(updated_at), MAX(id), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {o}), (SELECT MAX(id) FROM {o}) FROM {a}"
        )
        return tuple(str(v) for v in cursor.fetchone())


def clear(**kwargs):
    """Forget everything this process cached (a signal handler; also for tests)."""
    with _lock:
        _generation[0] += 1
        _data.clear()


def connect_signals():
    for model in WATCHED:
        post_save.connect(clear, sender=model, dispatch_uid=f"ovp-cache-{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"ovp-cache-d-{model.__name__}")


def cached(name, builder, *key, stamp):
    """builder() cached per process under (name, key, language, `stamp`) for TTL seconds.

    `stamp` is data_stamp(), taken once per request. Callers must not mutate what they
    get back: it is shared between requests.
    """
    full_key = (name, key, get_language(), stamp, _generation[0])
    now = time.monotonic()
    with _lock:
        hit = _data.get(full_key)
        if hit is not None and hit[0] > now:
            _data.move_to_end(full_key)
            return hit[1]
    value = builder()
    with _lock:
        _data[full_key] = (now + TTL, value)
        while len(_data) > MAX_ENTRIES:
            _data.popitem(last=False)
    return value


def public_content(request, name, parts, build, *, everyone=False):
    """build() -> HTML, cached when the visitor sees published data only (or, with
    `everyone`, for pages that show published data only whoever asks)."""
    if not everyone and not sees_published_only(request.user):
        return build()
    version = (parts, get_language(), data_stamp(), _generation[0])
    key = f"page:{name}:{hashlib.sha256(repr(version).encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, TTL)
    return html
