"""A user's own choices (assessments.models.Profile): the language they read the site and
their e-mail in. One home for "which language does this person read", used by every mail.
"""

from django.conf import settings
from django.utils import translation

from .models import Profile


def _supported(code):
    """`code` as one of settings.LANGUAGES, or "" when it is none of them."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code.lower().replace("_", "-"))
    except LookupError:
        return ""


def language_for(user, default=None):
    """The language to write to `user` in: the one they chose, else `default` (a code of
    settings.LANGUAGES, such as the language of the page they asked from), else the
    site's default. `user` may be None (an address without an account)."""
    profile = getattr(user, "profile", None) if user is not None else None
    chosen = _supported(profile.language) if profile is not None else ""
    return chosen or _supported(default) or settings.LANGUAGE_CODE


def chosen_language(user):
    """The language `user` chose, or "" when they never chose one."""
    profile = Profile.objects.filter(user=user).only("language").first()
    return _supported(profile.language) if profile is not None else ""


def set_language(*, user, language):
    """Remember `language` as `user`'s own (a code of settings.LANGUAGES); returns it."""
    language = _supported(language)
    if language:
        Profile.objects.update_or_create(user=user, defaults={"language": language})
    return language


def notify_choice(user):
    """How `user` wants to hear of notifications (Profile.notify; immediate by default)."""
    profile = Profile.objects.filter(user=user).only("notify").first()
    return profile.notify if profile is not None else Profile.Notify.IMMEDIATE


def set_notify(*, user, notify):
    """Remember how `user` wants to hear of notifications (a Profile.Notify value)."""
    if notify not in Profile.Notify.values:
        raise ValueError(notify)
    Profile.objects.update_or_create(user=user, defaults={"notify": notify})
    return notify
