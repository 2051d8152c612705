"""A respondent's pages: no account, the link or code is the key. A respondent sees the criteria
and their own answers, never anyone else's; a wrong or closed key shows nothing of the round."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import rounds, throttle
from ..perspective_forms import AnswersForm, CodeEntryForm


def _private(response):
    # The link is a key: keep it out of other sites' logs (same-origin, not no-referrer:
    # with no-referrer Chromium sends "Origin: null" and the CSRF check refuses the form)
    # and out of search engines.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def code(request):
    form = CodeEntryForm(request.POST or None)
    status = 200
    # Codes are short enough to type from a card: the guesses one address may make are few.
    if request.method == "POST" and not throttle.allow(
        request, scope="respond-code", limit=settings.RESPOND_CODE_RATE_LIMIT
    ):
        return _private(render(request, "join/throttled.html", status=429))
    if request.method == "POST" and form.is_valid():
        respondent = rounds.respondent_for(form.cleaned_data["code"])
        if respondent is not None:
            return redirect("respond:answer", rounds.normalise_token(form.cleaned_data["code"]))
        form.add_error(
            "code", _("This code is not valid. Check it, or ask whoever gave it to you.")
        )
        status = 400
    return _private(render(request, "respond/code.html", {"form": form}, status=status))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    respondent = rounds.respondent_for(token)
    if respondent is None:
        return _private(render(request, "respond/invalid.html", status=404))
    round_ = respondent.round
    if not rounds.is_open(round_):
        return _private(render(request, "respond/closed.html", status=410))
    # With their rubric, kept in this process under the reference stamp (rounds.criteria_reader).
    criteria = rounds.criteria_reader(request)
    status = 200
    if request.method == "POST":
        form = AnswersForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                rounds.save_answers(respondent=respondent, answers=form.answers())
            except ValidationError:
                return _private(render(request, "respond/closed.html", status=410))
            return redirect(request.path + "?saved=1")
        status = 400
    else:
        form = AnswersForm(
            criteria=criteria, initial=AnswersForm.initial_for(rounds.answers_of(respondent))
        )
    context = {
        "form": form,
        "office": round_.assessment.office,
        "round": round_,
        "group": respondent.group,
        "saved": request.GET.get("saved") == "1" and request.method != "POST",
        "storage_key": f"ovp-assess:respond:{respondent.pk}",
    }
    return _private(render(request, "respond/answer.html", context, status=status))
