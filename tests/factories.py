"""Small builders for test data. Everything made here is fictional and marked as demo."""

import itertools

from django.contrib.auth.models import Group, User

from assessments.access import RESEARCHERS, REVIEWERS
from assessments.models import Assessment, Entry, EvidenceLink, Membership
from cities.models import City, Country, Office, Origin
from criteria.models import Criterion

_seq = itertools.count(1)


def make_country(**kw):
    n = next(_seq)
    defaults = {
        "name": f"Testland {n}",
        "slug": f"testland-{n}",
        "region": "other",
        "origin": Origin.DEMO,
    }
    defaults.update(kw)
    return Country.objects.create(**defaults)


def make_city(country=None, **kw):
    n = next(_seq)
    defaults = {
        "name": f"Testville {n}",
        "slug": f"testville-{n}",
        "country": country or make_country(),
        "origin": Origin.DEMO,
    }
    defaults.update(kw)
    return City.objects.create(**defaults)


def make_office(city=None, **kw):
    n = next(_seq)
    defaults = {
        "name": f"Test Office {n}",
        "slug": f"test-office-{n}",
        "city": city or make_city(),
        "institutional_home": "mayor",
    }
    defaults.update(kw)
    return Office.objects.create(**defaults)


def make_user(username=None, office=None, role=Membership.Role.EDITOR, group=None, **kw):
    user = User.objects.create_user(username or f"user{next(_seq)}", password="pw", **kw)
    if office is not None:
        Membership.objects.create(user=user, office=office, role=role)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def make_reviewer():
    return make_user(group=REVIEWERS)


def make_researcher():
    return make_user(group=RESEARCHERS)


def make_assessment(
    office,
    cycle=2025,
    kind=Assessment.Kind.SELF,
    status=Assessment.Status.DRAFT,
    levels=None,
    text="Fictional test text",
):
    """An assessment with one entry per criterion; `levels` is a list of nine levels or None."""
    assessment = Assessment.objects.create(office=office, cycle=cycle, kind=kind, status=status)
    criteria = list(Criterion.objects.order_by("number"))
    Entry.objects.bulk_create(
        Entry(
            assessment=assessment,
            criterion=c,
            level=(levels[i] if levels else None),
            strengths=f"{text}: strengths {c.number}",
            opportunities=f"{text}: opportunities {c.number}",
        )
        for i, c in enumerate(criteria)
    )
    return assessment


PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def make_evidence_file(entry, *, content=PDF_BYTES, name="Budget 2024.pdf", **kw):
    """An evidence file of `entry`, stored through the storage API as an upload would be."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments import evidence

    upload = SimpleUploadedFile(name, content)
    stored = evidence.store_upload(upload, evidence.check_upload(upload))
    kw.setdefault("title", name)
    return EvidenceLink.objects.create(
        entry=entry,
        file=stored.name,
        file_name=stored.original_name,
        file_size=stored.size,
        file_type=stored.content_type,
        **kw,
    )
