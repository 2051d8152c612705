"""ovp_assess.sessions reads a session as Django's database engine does."""

import datetime

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from ovp_assess.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("engine", [SessionStore, db.SessionStore])
def test_a_session_is_read_until_it_expires(engine):
    kept = SessionStore()
    kept["who"] = "fictional staff"
    kept.save()
    assert dict(engine(kept.session_key).load()) == {"who": "fictional staff"}
    Session.objects.filter(session_key=kept.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = engine(kept.session_key)
    assert (expired.load(), expired.session_key) == ({}, None)
    unknown = engine("x" * 32)
    assert (unknown.load(), unknown.session_key) == ({}, None)


def test_signed_in_pages_read_the_session_with_the_prepared_query(client, staff, settings):
    assert settings.SESSION_ENGINE == "ovp_assess.sessions"
    client.force_login(staff)
    assert client.get("/assess/").status_code == 200
    assert client.session.__class__ is SessionStore
