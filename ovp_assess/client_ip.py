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
