"""Cache of public page content for visitors who can see published data only.

The content of a public page (not the header with its per-user parts and CSRF token) is the
same for every such visitor, so it is kept per page, query, language and data version.
The version is the dashboard's stamp of the assessments table (it moves with every
published change) plus a per-process generation bumped by any save of the page's other
data; a save in another worker shows there after TTL seconds at the latest.
"""

import hashlib

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils.translation import get_language

from assessments.access import is_reviewer, office_ids_for
from cities.models import City, Country, Office, SourcedFact
from criteria.models import Criterion, PeerExample, RubricLevel
from reports.sample import data_stamp

TTL = 300
_generation = [0]


def _bump(**kwargs):
    _generation[0] += 1


for _model in (City, Country, Office, SourcedFact, Criterion, PeerExample, RubricLevel):
    post_save.connect(_bump, sender=_model, dispatch_uid=f"pagecache-{_model.__name__}")
    post_delete.connect(_bump, sender=_model, dispatch_uid=f"pagecache-d-{_model.__name__}")


def sees_published_only(user):
    """Anonymous visitors and accounts with no office, review or admin rights."""
    if not user.is_authenticated:
        return True
    return not (user.is_superuser or is_reviewer(user) or office_ids_for(user))


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
