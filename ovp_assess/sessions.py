"""Django's database sessions, with their one read per request prepared.

Every signed-in page reads its session first, and the ORM took longer to build and compile
that one-row query than the database took to answer it. The read is the same: the
session with this key if it has not expired, else none (and the key is dropped, as
Django's engine does); writes, rotation and clearing are Django's own.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from assessments.prepared import Prepared

_SESSION = Prepared(lambda session_key: Session.objects.filter(session_key=session_key))


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = _SESSION(session_key=self.session_key) if self.session_key else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
