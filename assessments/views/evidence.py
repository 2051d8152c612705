"""Downloading an evidence file: only for those who may see its assessment (access.py's one
rule, so a published assessment's files are as public as the assessment), always as an
attachment that no browser renders or runs in the app's origin."""

from django.http import FileResponse, Http404, HttpResponseNotAllowed

from ..access import get_assessment_for_user
from ..models import EvidenceLink

# Whatever the file holds, a browser that opened it anyway may run nothing in our origin.
SANDBOX = "sandbox; default-src 'none'"


def download(request, pk, item):
    # The getter first: outsiders get 404 whatever the method.
    assessment = get_assessment_for_user(request.user, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    link = (
        EvidenceLink.objects.filter(pk=item, entry__assessment=assessment).exclude(file="").first()
    )
    if link is None:
        raise Http404
    try:
        handle = link.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=link.file_name, content_type=link.file_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    return response
