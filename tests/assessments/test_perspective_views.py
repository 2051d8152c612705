"""The perspectives pages: the office's round page, the respondent's form, and who may do what."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from assessments import rounds
from assessments.models import Consensus, Entry, PerspectiveAnswer, PerspectiveRound, Respondent
from tests.security.corpus import FORMULAS, MARKUP


def _url(name, assessment):
    return reverse(f"assess:{name}", args=[assessment.pk])


@pytest.fixture
def round_(assessment, staff):
    return rounds.open_round(
        assessment=assessment,
        user=staff,
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
        group_names=["Office staff", "Community partners"],
    )


def _respond(client, token, levels, comments=None):
    data = {}
    for number, level in levels.items():
        data[f"level_{number}"] = level
        data[f"comment_{number}"] = (comments or {}).get(number, "")
    return client.post(reverse("respond:answer", args=[token]), data)


def test_staff_open_a_round_with_renamed_groups(assessment, staff, client_for):
    client = client_for(staff)
    page = client.get(_url("perspectives", assessment))
    assert page.status_code == 200
    assert page.context["open_form"]["group_1"].value() == "Office staff"
    closes = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        _url("perspectives", assessment),
        {"closes_on": closes, "group_1": "Mayor's office", "group_2": "", "group_3": "Youth"},
    )
    assert response.status_code == 302
    round_ = PerspectiveRound.objects.get(assessment=assessment)
    assert [g.name for g in round_.groups.all()] == ["Mayor's office", "Youth"]


def test_a_bad_date_is_explained_and_the_names_kept(assessment, staff, client_for):
    response = client_for(staff).post(
        _url("perspectives", assessment),
        {"closes_on": "2001-01-01", "group_1": "Elders", "group_2": "Elders"},
    )
    assert response.status_code == 200
    form = response.context["open_form"]
    assert form.errors["closes_on"] == ["The closing date cannot be in the past."]
    assert form["group_1"].value() == "Elders"
    assert PerspectiveRound.objects.count() == 0


@pytest.mark.parametrize("who, status", [("viewer", 403), ("reviewer", 404)])
def test_readers_cannot_open_a_round(assessment, who, status, request, client_for):
    user = request.getfixturevalue(who)
    response = client_for(user).post(
        _url("perspectives", assessment), {"closes_on": "2030-01-01", "group_1": "A"}
    )
    assert response.status_code == status
    assert PerspectiveRound.objects.count() == 0


@pytest.mark.parametrize("who", ["other_staff", "researcher", None])
def test_outsiders_get_404_on_every_round_page(assessment, round_, who, request, client_for):
    user = request.getfixturevalue(who) if who else None
    client = client_for(user)
    response = client.get(_url("perspectives", assessment))
    assert response.status_code == (404 if user else 302)
    rounds.close_round(round_=round_, user=assessment.created_by)
    assert client.get(reverse("reports:perspectives-csv", args=[assessment.pk])).status_code == 404
    round_.closed_at = None
    round_.save()
    for name in ("perspectives-invite", "perspectives-codes", "perspectives-close"):
        response = client.post(_url(name, assessment), {"group": round_.groups.first().pk})
        assert response.status_code == (404 if user else 302), name
    round_.refresh_from_db()
    assert (round_.closed_at, Respondent.objects.count()) == (None, 0)


def test_invitations_send_a_personal_link_once(
    assessment, round_, staff, client_for, django_capture_on_commit_callbacks
):
    group = round_.groups.last()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(
            _url("perspectives-invite", assessment),
            {
                "invite-group": group.pk,
                "invite-emails": "ana@example.org, bo@example.org\nana@example.org",
            },
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "bo@example.org"]
    message = mail.outbox[0]
    link = next(line for line in message.body.splitlines() if "/respond/" in line)
    token = link.rsplit("/respond/", 1)[1].strip("/")
    assert rounds.respondent_for(token).email == message.to[0]
    assert message.alternatives[0][1] == "text/html"


def test_the_round_page_lists_the_addresses_invited_only_when_there_are_some(
    assessment, round_, staff, client_for
):
    first, last = round_.groups.first(), round_.groups.last()
    client = client_for(staff)
    rounds.issue_codes(round_=round_, user=staff, group_id=first.pk, count=2)
    page = client.get(_url("perspectives", assessment))
    assert list(page.context["invited"]) == []
    assert "invited by e-mail" not in page.content.decode()
    rounds.invite(round_=round_, user=staff, group_id=last.pk, emails=["bo@example.org"])
    rounds.invite(round_=round_, user=staff, group_id=first.pk, emails=["ana@example.org"])
    page = client.get(_url("perspectives", assessment))
    html = page.content.decode()
    assert "2 people invited by e-mail" in html
    assert f"<li>ana@example.org ({first.name})</li><li>bo@example.org ({last.name})</li>" in html


def test_bad_addresses_are_named_and_kept(assessment, round_, staff, client_for):
    response = client_for(staff).post(
        _url("perspectives-invite", assessment),
        {
            "invite-group": round_.groups.first().pk,
            "invite-emails": "ana@example.org\nnot-an-address",
        },
    )
    assert response.status_code == 400
    form = response.context["invite_form"]
    assert form.errors["emails"] == ["Not e-mail addresses: not-an-address"]
    assert form["emails"].value() == "ana@example.org\nnot-an-address"
    assert Respondent.objects.count() == 0


def test_codes_are_shown_once_and_let_a_respondent_in(assessment, round_, staff, client_for):
    response = client_for(staff).post(
        _url("perspectives-codes", assessment),
        {"codes-group": round_.groups.first().pk, "codes-count": 3},
    )
    codes = response.context["codes"]
    assert (response.status_code, len(codes), Respondent.objects.count()) == (200, 3, 3)
    assert codes[0] in response.content.decode()
    anonymous = client_for(None)
    entered = anonymous.post(reverse("respond:code"), {"code": codes[0].lower()})
    assert entered.status_code == 302
    page = anonymous.get(entered["Location"])
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    wrong = anonymous.post(reverse("respond:code"), {"code": "AAAAA-AAAAA"})
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["code"] == [
        "This code is not valid. Check it, or ask whoever gave it to you."
    ]


def test_a_respondent_saves_and_changes_answers(round_, staff, client_for):
    [code] = rounds.issue_codes(
        round_=round_, user=staff, group_id=round_.groups.first().pk, count=1
    )
    client = client_for(None)
    response = _respond(client, code, {1: "2", 2: "dk", 3: ""}, {2: "  not sure  "})
    assert response.status_code == 302
    respondent = rounds.respondent_for(code)
    assert {n: (a.level, a.comment) for n, a in rounds.answers_of(respondent).items()} == {
        1: (2, ""),
        2: (None, "not sure"),
    }
    page = client.get(reverse("respond:answer", args=[code]))
    assert page.context["form"]["level_1"].value() == "2"
    assert page.context["form"]["level_2"].value() == "dk"


def test_a_too_long_comment_is_refused_and_kept(round_, staff, client_for):
    [code] = rounds.issue_codes(
        round_=round_, user=staff, group_id=round_.groups.first().pk, count=1
    )
    text = "word " * 500
    response = _respond(client_for(None), code, {1: "3"}, {1: text})
    assert response.status_code == 400
    assert response.context["form"]["comment_1"].value() == text
    assert PerspectiveAnswer.objects.count() == 0


def test_forged_and_closed_tokens_show_nothing_of_the_round(round_, staff, client_for):
    [code] = rounds.issue_codes(
        round_=round_, user=staff, group_id=round_.groups.first().pk, count=1
    )
    client = client_for(None)
    forged = client.get(reverse("respond:answer", args=["ABCDEABCDE"]))
    assert forged.status_code == 404
    rounds.close_round(round_=round_, user=staff)
    closed = client.get(reverse("respond:answer", args=[code]))
    assert closed.status_code == 410
    assert round_.assessment.office.name not in closed.content.decode()
    posted = _respond(client, code, {1: "4"})
    assert (posted.status_code, PerspectiveAnswer.objects.count()) == (410, 0)


def test_results_only_after_the_close_and_small_groups_hidden(
    assessment, round_, staff, viewer, client_for
):
    first, second = round_.groups.all()
    many = rounds.issue_codes(round_=round_, user=staff, group_id=first.pk, count=3)
    [lone] = rounds.issue_codes(round_=round_, user=staff, group_id=second.pk, count=1)
    anonymous = client_for(None)
    for code, level in zip(many, ("0", "1", "1"), strict=True):
        _respond(anonymous, code, {1: level}, {1: f"said {level}"})
    _respond(anonymous, lone, {1: "4"}, {1: "the lone voice"})
    client = client_for(staff)
    page = client.get(_url("perspectives", assessment))
    assert "summary" not in page.context
    assert client.get(reverse("reports:perspectives-csv", args=[assessment.pk])).status_code == 404
    client.post(_url("perspectives-close", assessment))
    page = client.get(_url("perspectives", assessment)).content.decode()
    assert "the lone voice" not in page
    assert "said 1" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("reports:perspectives-csv", args=[assessment.pk])
                ).content.decode()
            )
        )
    )
    assert rows[0][:4] == ["criterion_number", "criterion", "group", "answers"]
    assert [r[2:6] + r[6:8] for r in rows[1:]] == [
        ["Office staff", "3", "0", "1", "0", "1"],
        ["all respondents", "3", "0", "1", "0", "1"],
    ]
    # The same header and numbers whatever the interface language.
    for language in ("es", "pt-br", "fr"):
        other = client.get(
            reverse("reports:perspectives-csv", args=[assessment.pk]),
            HTTP_ACCEPT_LANGUAGE=language,
        )
        translated = list(csv.reader(io.StringIO(other.content.decode())))
        assert language == other.wsgi_request.LANGUAGE_CODE
        assert translated[0] == rows[0], language
        assert [r[3:] for r in translated[1:]] == [r[3:] for r in rows[1:]], language
    # A viewer reads the results but gets no form to agree levels.
    assert (
        client_for(viewer).get(_url("perspectives", assessment)).context.get("consensus_form")
        is None
    )


def test_agreed_levels_become_the_entries_levels(assessment, round_, staff, client_for):
    rounds.close_round(round_=round_, user=staff)
    client = client_for(staff)
    missing = client.post(
        _url("perspectives-agree", assessment), {"level_1": "3", "rationale_1": ""}
    )
    assert missing.status_code == 400
    assert missing.context["consensus_form"].errors["rationale_1"] == [
        "Say in a sentence why the office agreed this level."
    ]
    response = client.post(
        _url("perspectives-agree", assessment),
        {"level_1": "3", "rationale_1": "Partners and staff agree.", "level_2": ""},
    )
    assert response.status_code == 302
    assert Entry.objects.get(assessment=assessment, criterion__number=1).level == 3
    assert list(Consensus.objects.values_list("criterion__number", "level")) == [(1, 3)]


def test_round_page_query_count_does_not_grow_with_respondents(
    assessment, round_, staff, client_for, django_assert_max_num_queries
):
    first = round_.groups.first()
    for n in (3, 30):
        for code in rounds.issue_codes(round_=round_, user=staff, group_id=first.pk, count=n):
            _respond(client_for(None), code, {1: "2", 2: "3"})
    client = client_for(staff)
    rounds.close_round(round_=round_, user=staff)
    with django_assert_max_num_queries(40):
        assert client.get(_url("perspectives", assessment)).status_code == 200


def test_code_guesses_are_throttled_per_address(db, settings, client_for):
    settings.RESPOND_CODE_RATE_LIMIT = 2
    client = client_for(None)
    statuses = [
        client.post(reverse("respond:code"), {"code": "AAAAA-AAAAA"}).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


@pytest.mark.parametrize(
    ("payload_id", "payload"), MARKUP + FORMULAS, ids=[n for n, _ in MARKUP + FORMULAS]
)
def test_hostile_comments_and_group_names_are_escaped_everywhere(
    assessment, staff, client_for, payload_id, payload
):
    round_ = rounds.open_round(
        assessment=assessment,
        user=staff,
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
        group_names=[payload],
    )
    client = client_for(None)
    for code in rounds.issue_codes(
        round_=round_, user=staff, group_id=round_.groups.get().pk, count=3
    ):
        _respond(client, code, {1: "2"}, {1: payload})
    rounds.close_round(round_=round_, user=staff)
    staff_client = client_for(staff)
    page = staff_client.get(_url("perspectives", assessment)).content.decode()
    assert payload not in page or escape(payload) == payload
    assert escape(payload) in page
    rows = list(
        csv.reader(
            io.StringIO(
                staff_client.get(
                    reverse("reports:perspectives-csv", args=[assessment.pk])
                ).content.decode()
            )
        )
    )
    group = rows[1][2]
    # Spreadsheets never read the office's group name as a formula.
    assert group == ("'" + payload if payload[0] in "=+-@" else payload)


def test_the_review_and_criterion_pages_show_the_figures_beside_each_criterion(
    assessment, staff, reviewer, client_for
):
    from .helpers import fill

    round_ = rounds.open_round(
        assessment=assessment,
        user=staff,
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
        group_names=["Partners"],
    )
    client = client_for(None)
    for code, level in zip(
        rounds.issue_codes(round_=round_, user=staff, group_id=round_.groups.get().pk, count=3),
        ("1", "2", "2"),
        strict=True,
    ):
        _respond(client, code, {1: level})
    staff_client = client_for(staff)
    page = staff_client.get(reverse("assess:criterion", args=[assessment.pk, 1])).content.decode()
    assert "a round is open until" in page
    rounds.close_round(round_=round_, user=staff)
    rounds.record_consensus(round_=round_, user=staff, agreed={1: (2, "We agree with partners.")})
    fill(assessment, staff)
    from assessments import workflow

    workflow.submit(assessment=assessment, user=staff)
    review = client_for(reviewer).get(reverse("assess:review", args=[assessment.pk]))
    beside = review.context["entries"][0].perspective
    assert [(f["group"], f["median"], f["answers"]) for f in beside["figures"]] == [
        ("Partners", 2, 3),
        ("all respondents", 2, 3),
    ]
    assert beside["agreed"].rationale == "We agree with partners."
    html = review.content.decode()
    assert "Partners median 2 (3 answers); all respondents median 2 (3 answers)" in " ".join(
        html.split()
    )
    assert "Level agreed after the round: 2." in html
