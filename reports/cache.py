"""Every cache of OVP Assess: what it holds, keyed on what, invalidated by what.

1. **The published-data stamp** (`data_stamp`): not a cache but what keys the others. One
   query (about 1 ms at 5,000 assessments) over the assessments and offices tables; it
   moves with every workflow step (each bumps an assessment's version and updated_at),
   every admin save of an assessment, and every deletion (the count), so it moves whenever
   published data can change, in every process at once.
2. **The data cache** (`cached`): computed data that is the same for every viewer (the
   dashboard's sample and figures, the list of published cycles). Per process, in memory,
   at most MAX_ENTRIES values for TTL seconds; with a shared cache (CACHE_URL) also there,
   so one process computes it for the whole cluster. Key: name, caller's key, language and
   stamp.
3. **The page cache** (`public_content`): the rendered content of the public pages (home,
   cities, city, matrix), without the header with its per-user parts. Kept only for
   visitors who see published data only (`assessments.access.sees_published_only`, the
   same rule that decides what anyone may read), or for every visitor on pages that show
   published data only. Django's default cache (shared when CACHE_URL is set), TTL
   seconds. Key: page name, query, language and stamp.
4. **Scorecard PDFs** live on disk (`reports.scorecard_cache`), one file per assessment
   version, status, language, paper and print layout: a new version is a new key, so they
   need no invalidation.
5. **The open-data package** lives on disk (`reports.opendata_cache`), one folder per
   stamp: a publication is a new key; edits of reference data remove the folders.
6. **Reference fragments** (`reference_fragment`, the `{% reference_fragment %}` tag of
   `reports.templatetags.reference_fragments`): parts of forms that show reference data
   only, the same for every visitor (the registration form's fields unsent; each
   criterion of a respondent's unsent form, with its rubric and their saved level; the
   criteria with their rubric that this form is built from, `reference_criteria`). Per
   process, in memory, at most MAX_FRAGMENTS. Key: name, the caller's key, language and
   the reference stamp (`reference_stamp`: the cache generation alone, which every save
   or deletion of reference data moves). The figures of a closed perspectives round
   (`closed_round_figures`) are kept the same way, keyed also on the round and its close:
   a closed round's answers no longer change.
7. **base.html's chrome** (`ovp_assess/templatetags/chrome.py`): the header's URLs, the
   language menu and the `{% chrome_fragment %}` blocks (text, translations, static files,
   links: no data at all). Per process, kept until it ends. Key: language, script prefix
   and URL configuration; nothing to invalidate.

The stamp holds the cache generation (`reports.models.CacheGeneration`, one row), which
moves on every save or deletion of the reference data that pages show besides assessments
(cities, countries, offices, facts, criteria, rubric, guiding questions, examples),
through the signals that `ReportsConfig.ready()` connects (`connect_signals`). The stamp
is read from the database on every request, so an edit in the admin changes every key in
every process on every machine at once, whatever the cache. Saves of assessments and
entries move the stamp through the assessment's version; they also empty this process's
memory at once.

A shared cache that stops answering is a miss (ovp_assess.redis_cache): pages are built
from the database as if nothing were cached.
"""

import hashlib
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from assessments import rounds
from assessments.access import sees_published_only
from assessments.models import Assessment, Entry
from cities.models import City, Country, Office, SourcedFact
from criteria.models import Criterion, GuidingQuestion, PeerExample, RubricLevel

from .models import CacheGeneration

TTL = 300
# An overview of 1,000 offices (sample, charts, JSON) takes about 2 MB: at most ~25 MB.
MAX_ENTRIES = 12
# Reference data: a save or deletion moves the cache generation (every process, at once).
REFERENCE = (
    City,
    Country,
    Office,
    SourcedFact,
    Criterion,
    GuidingQuestion,
    PeerExample,
    RubricLevel,
)
# Assessments move the stamp themselves; their saves only empty this process's memory.
WATCHED = (Assessment, Entry, *REFERENCE)

_data = OrderedDict()
# Fragments of 1-4 KB: per language the registration form, and per criterion and saved
# level a respondent's fieldset up to the comment box (~60), in four languages.
MAX_FRAGMENTS = 1024
_fragments = OrderedDict()
_lock = threading.Lock()


def data_stamp():
    """A tuple that changes whenever published data can change (one query)."""
    a, o = Assessment._meta.db_table, Office._meta.db_table
    g = CacheGeneration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(version), MAX(updated_at), MAX(id), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {o}), (SELECT MAX(id) FROM {o}), "
            f"(SELECT MAX(value) FROM {g}) FROM {a}"
        )
        return tuple(str(v) for v in cursor.fetchone())


def reference_stamp():
    """The cache generation: it moves with every save or deletion of reference data
    (REFERENCE), in every process at once. Keys what shows reference data only; one query
    on a one-row table, where data_stamp() reads the assessments too."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(value) FROM {CacheGeneration._meta.db_table}")  # noqa: S608
        return str(cursor.fetchone()[0])


def reference_fragment(name, key, build, *, stamp):
    """build() -> HTML of reference data only, cached in this process under (name, key,
    language, `stamp`): reference_stamp(), taken once per request."""
    full_key = (name, key, get_language(), stamp)
    with _lock:
        html = _fragments.get(full_key)
        if html is not None:
            _fragments.move_to_end(full_key)
            return html
    html = build()
    with _lock:
        _fragments[full_key] = html
        while len(_fragments) > MAX_FRAGMENTS:
            _fragments.popitem(last=False)
    return html


def request_reference_stamp(request):
    """reference_stamp(), read once per request (None: every call reads it)."""
    stamp = getattr(request, "_ovp_reference_stamp", None)
    if stamp is None:
        stamp = reference_stamp()
        if request is not None:
            request._ovp_reference_stamp = stamp
    return stamp


def reference_criteria(request):
    """The criteria in order with their rubric levels and guiding questions (prefetched,
    as rounds.read_criteria), kept as a reference
    fragment under the request's reference stamp: read after the stamp, as item 6 asks.
    The same instances serve every request of this process: read them, never change them.
    Installed as assessments.rounds.criteria_reader by ReportsConfig.ready()."""
    return reference_fragment(
        "criteria",
        (),
        lambda: rounds.read_criteria(request),
        stamp=request_reference_stamp(request),
    )


def closed_round_figures(request, *, round_, criteria):
    """rounds.closed_figures(), kept as a reference fragment under the round's close: its
    answers no longer change, and the criteria's titles are reference data. Installed as
    assessments.rounds.closed_figures_reader by ReportsConfig.ready()."""
    return reference_fragment(
        "round-figures",
        (round_.pk, str(round_.closed_at or round_.closes_on), rounds.min_group()),
        lambda: rounds.closed_figures(request, round_=round_, criteria=criteria),
        stamp=request_reference_stamp(request),
    )


def clear(**kwargs):
    """Forget everything this process cached (a signal handler; also for tests)."""
    with _lock:
        _data.clear()
        _fragments.clear()


def next_generation(**kwargs):
    """Move the cache generation (a signal handler of the reference data): one UPDATE in
    the saving transaction, so the keys change exactly when the edit becomes visible."""
    clear()
    with transaction.atomic():
        if not CacheGeneration.objects.update(value=models.F("value") + 1):
            CacheGeneration.objects.create(value=1)


def connect_signals():
    for model in WATCHED:
        handler = next_generation if model in REFERENCE else clear
        post_save.connect(handler, sender=model, dispatch_uid=f"ovp-cache-{model.__name__}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"ovp-cache-d-{model.__name__}")


def _shared_key(prefix, version):
    return f"{prefix}:{hashlib.sha256(repr(version).encode()).hexdigest()}"


def cached(name, builder, *key, stamp):
    """builder() cached under (name, key, language, `stamp`) for TTL seconds: in this
    process's memory, and in the shared cache when there is one (CACHE_URL).

    `stamp` is data_stamp(), taken once per request. Callers must not mutate what they
    get back: it is shared between requests.
    """
    full_key = (name, key, get_language(), stamp)
    now = time.monotonic()
    with _lock:
        hit = _data.get(full_key)
        if hit is not None and hit[0] > now:
            _data.move_to_end(full_key)
            return hit[1]
    shared = getattr(cache, "shared", False)
    value = cache.get(_shared_key("data", full_key)) if shared else None
    if value is None:
        value = builder()
        if shared:
            cache.set(_shared_key("data", full_key), value, TTL)
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
    key = _shared_key(f"page:{name}", (parts, get_language(), data_stamp()))
    html = cache.get(key)
    if html is None:
        html = build()
        cache.set(key, html, TTL)
    return html
