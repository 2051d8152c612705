from django.conf import settings


def client_ip(request):
    """The address login throttling is keyed on.

    Behind our own proxy (BEHIND_PROXY) every request comes from the proxy, so the client
    is the last address in X-Forwarded-For: the one our proxy appended, which the client
    cannot forge. Anything the client put before it is ignored.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


# django-axes stores the username in a column of 255 characters, and does not cut it:
# PostgreSQL refuses a longer one, so a long name typed into a login form made a 500.
AXES_USERNAME_LENGTH = 255


def client_username(request, credentials=None):
    """The username login throttling is keyed on: the one typed, cut to what axes stores.

    allauth's login form has one field, `login`, for a username or an e-mail address, and
    authenticates with `username` or `email`: whichever was typed is the key. No real
    username is that long (Django allows 150 characters), so the cut never makes two real
    users share a lockout.
    """
    username = None
    if credentials:
        for field in (settings.AXES_USERNAME_FORM_FIELD, "username", "email"):
            username = credentials.get(field)
            if username:
                break
    else:
        username = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    if isinstance(username, str):
        return username[:AXES_USERNAME_LENGTH]
    return username
