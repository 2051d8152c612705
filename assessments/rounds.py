"""A perspectives round's life: opened on a draft, respondents invited by link or code, their
answers saved until it closes, then the office agrees a level per criterion.

Respondents have no account: a token is their only key, so only its SHA-256 is stored, and
every token is long enough that guessing one is hopeless (codes handed out on paper are
shorter and typed at a page that is throttled).
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria.models import Criterion

from . import notifications, perspectives, workflow
from .access import can_edit
from .models import (
    Consensus,
    Entry,
    PerspectiveAnswer,
    PerspectiveGroup,
    PerspectiveRound,
    Respondent,
)
from .prepared import Prepared

DEFAULT_GROUPS = (
    gettext_lazy("Office staff"),
    gettext_lazy("City government"),
    gettext_lazy("Community partners"),
    gettext_lazy("Outside experts"),
)
# No 0/O, 1/I/L: codes are read aloud and copied from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
LINK_LENGTH = 24
MAX_CODES = 200
MAX_INVITES = 200
MAX_COMMENT = 2000


def min_group():
    return settings.PERSPECTIVES_MIN_GROUP


def normalise_token(token):
    return "".join(ch for ch in str(token).upper() if ch.isalnum())


def token_hash(token):
    return hashlib.sha256(normalise_token(token).encode()).hexdigest()


def new_token(length):
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def format_code(code):
    return f"{code[:5]}-{code[5:]}"


def is_open(round_, *, today=None):
    """Open until the end of its closing date, unless closed early."""
    today = today or timezone.localdate()
    return round_.closed_at is None and today <= round_.closes_on


def open_round(*, assessment, user, closes_on, group_names, today=None):
    """Open the round of a draft self-assessment with the named groups (in order)."""
    if not can_edit(user, assessment):
        raise PermissionDenied
    today = today or timezone.localdate()
    names = [name.strip() for name in group_names if name and name.strip()]
    if closes_on < today:
        raise ValidationError({"closes_on": _("The closing date cannot be in the past.")})
    if not names:
        raise ValidationError({"groups": _("Name at least one group.")})
    if len(names) > PerspectiveRound.MAX_GROUPS:
        raise ValidationError(
            {"groups": _("At most %(n)d groups.") % {"n": PerspectiveRound.MAX_GROUPS}}
        )
    if len({name.casefold() for name in names}) != len(names):
        raise ValidationError({"groups": _("Each group needs its own name.")})
    try:
        with transaction.atomic():
            round_ = PerspectiveRound.objects.create(
                assessment=assessment, closes_on=closes_on, opened_by=user
            )
            PerspectiveGroup.objects.bulk_create(
                PerspectiveGroup(round=round_, name=name, position=i)
                for i, name in enumerate(names, start=1)
            )
    except IntegrityError:
        raise ValidationError(_("This self-assessment already has a perspectives round.")) from None
    return round_


def _check_open(round_, user):
    if not can_edit(user, round_.assessment):
        raise PermissionDenied
    if not is_open(round_):
        raise ValidationError(_("The round is closed."))


def _group(round_, group_id):
    try:
        return round_.groups.get(pk=group_id)
    except (PerspectiveGroup.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"group": _("Choose one of the round's groups.")}) from None


@dataclass
class Invited:
    respondent: Respondent
    token: str  # shown or sent once, never stored


def invite(*, round_, user, group_id, emails):
    """A personal link per new address; addresses already invited to this round are skipped.
    Returns the new invitations (the caller sends the links)."""
    _check_open(round_, user)
    group = _group(round_, group_id)
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))
    if len(wanted) > MAX_INVITES:
        raise ValidationError(
            {"emails": _("At most %(n)d addresses at a time.") % {"n": MAX_INVITES}}
        )
    known = set(round_.respondents.exclude(email="").values_list("email", flat=True))
    invited = []
    with transaction.atomic():
        for email in wanted:
            if email in known:
                continue
            token = new_token(LINK_LENGTH)
            respondent = Respondent.objects.create(
                round=round_, group=group, email=email, token_hash=token_hash(token)
            )
            invited.append(Invited(respondent, token))
    return invited


def issue_codes(*, round_, user, group_id, count):
    """`count` one-person codes for the group, returned once in plain text."""
    _check_open(round_, user)
    group = _group(round_, group_id)
    if not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": _("Between 1 and %(n)d codes.") % {"n": MAX_CODES}})
    codes = [new_token(CODE_LENGTH) for _ in range(count)]
    Respondent.objects.bulk_create(
        Respondent(round=round_, group=group, token_hash=token_hash(code)) for code in codes
    )
    return [format_code(code) for code in codes]


def read_criteria(request):
    """The criteria in order with their rubric levels and guiding questions, from the
    database."""
    return list(Criterion.objects.order_by("number").prefetch_related("levels", "questions"))


# What the respondent's form and the criterion page read the criteria with: reports
# installs one that keeps them in this process under the reference stamp
# (reports.cache.reference_criteria), as assessments may not import reports.
criteria_reader = read_criteria


def respondent_for(token):
    """The respondent a token belongs to (with its round and assessment), or None."""
    if not token or len(normalise_token(token)) not in (CODE_LENGTH, LINK_LENGTH):
        return None
    # Only what the respondent's pages and save_answers read: the office's and the city's
    # long texts are not needed (a deferred field read elsewhere costs a query, not an error).
    return (
        Respondent.objects.select_related("round__assessment__office__city", "group")
        .only(
            "round_id",
            "group_id",
            "answered_at",
            "round__closes_on",
            "round__closed_at",
            "round__assessment__office__name",
            "round__assessment__office__city__name",
            "round__assessment__office__city__origin",
            "group__name",
        )
        .filter(token_hash=token_hash(token))
        .first()
    )


def answers_of(respondent):
    """{criterion number: (number, level, comment)} of one respondent, as named rows
    (`.level`, `.comment`): what the respondent's form shows, not whole answers."""
    # The number alone, not the criterion with all its translated texts; rows, not
    # instances (a third less time on every respondent's page).
    rows = PerspectiveAnswer.objects.filter(respondent_id=respondent.pk).values_list(
        "criterion__number", "level", "comment", named=True
    )
    return {row.criterion__number: row for row in rows}


def save_answers(*, respondent, answers):
    """Store a respondent's answers: {criterion number: (level or DONT_KNOW or "", comment)}.

    "" means not answered (an answer given earlier is removed). Only while the round is open.
    """
    if not is_open(respondent.round):
        raise ValidationError(_("This round has closed; answers can no longer be changed."))
    criteria = {c.number: c for c in Criterion.objects.all()}
    now = timezone.now()
    with transaction.atomic():
        for number, (level, comment) in answers.items():
            criterion = criteria[number]
            comment = comment.strip()[:MAX_COMMENT]
            if level == "" and not comment:
                PerspectiveAnswer.objects.filter(
                    respondent=respondent, criterion=criterion
                ).delete()
                continue
            if level == "":
                level = perspectives.DONT_KNOW
            PerspectiveAnswer.objects.update_or_create(
                respondent=respondent,
                criterion=criterion,
                defaults={"level": level, "comment": comment},
            )
        answered = respondent.answers.exists()
        Respondent.objects.filter(pk=respondent.pk).update(answered_at=now if answered else None)
    respondent.answered_at = now if answered else None


def close_round(*, round_, user):
    if not can_edit(user, round_.assessment):
        raise PermissionDenied
    if round_.closed_at is None:
        round_.closed_at = timezone.now()
        round_.save(update_fields=["closed_at"])
        notifications.after_commit(notifications.round_closed, round_=round_, actor=user)


def summary(*, round_, numbers=None, criteria=None):
    """The round's figures (see perspectives.summarise), from the database. Its groups are
    round_.groups.all() (no query when prefetched); `numbers` (the criteria's numbers, in
    order) saves a query to a caller that has them, and `criteria` (all the criteria, in
    order, already loaded) saves that query and makes the answers' one cheaper."""
    groups = {round_.pk: [g.pk for g in round_.groups.all()]}
    if criteria is None:
        return summaries(round_ids=[round_.pk], numbers=numbers, groups=groups)[round_.pk]
    number_of = {c.pk: c.number for c in criteria}
    answers = [
        perspectives.Answer(respondent, group, number_of[criterion], level, comment)
        for respondent, group, criterion, level, comment in _answers_of(round_.pk)
        if criterion in number_of
    ]
    return perspectives.summarise(
        answers=answers,
        group_ids=groups[round_.pk],
        criteria=[c.number for c in criteria],
        min_group=min_group(),
    )


def _answers_of(round_id):
    """[(respondent id, group id, criterion id, level, comment)] of one round's answers, in
    plain SQL: the page that shows them reads them on every request, and compiling the same
    query with the ORM cost more than running it."""
    a, r = PerspectiveAnswer._meta.db_table, Respondent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.respondent_id, r.group_id, a.criterion_id, a.level, a.comment "  # noqa: S608
            f"FROM {a} a INNER JOIN {r} r ON a.respondent_id = r.id WHERE r.round_id = %s",
            [round_id],
        )
        return cursor.fetchall()


def summaries(*, round_ids, numbers=None, groups=None):
    """{round id: its figures} for several rounds in three queries, whatever their number
    (fewer when the caller has `numbers`, the criteria's numbers in order, or `groups`,
    {round id: its group ids in order})."""
    answers = {rid: [] for rid in round_ids}
    if groups is None:
        groups = {rid: [] for rid in round_ids}
        for rid, gid in PerspectiveGroup.objects.filter(round_id__in=round_ids).values_list(
            "round_id", "pk"
        ):
            groups[rid].append(gid)
    rows = PerspectiveAnswer.objects.filter(respondent__round_id__in=round_ids).values_list(
        "respondent__round_id",
        "respondent_id",
        "respondent__group_id",
        "criterion__number",
        "level",
        "comment",
    )
    for rid, *row in rows:
        answers[rid].append(perspectives.Answer(*row))
    if numbers is None:
        numbers = list(Criterion.objects.order_by("number").values_list("number", flat=True))
    return {
        rid: perspectives.summarise(
            answers=answers[rid],
            group_ids=groups[rid],
            criteria=numbers,
            min_group=min_group(),
        )
        for rid in round_ids
    }


def counted_groups():
    """Groups with how many respondents each has (`invited`), how many of them by e-mail
    (`emailed`) and how many answered (`answered`): counts only, never who answered what.
    Filter it, or prefetch a round's groups with it (Prefetch("groups", counted_groups()))
    and hand them to progress()."""
    return PerspectiveGroup.objects.annotate(
        invited=Count("respondents"),
        emailed=Count("respondents", filter=~Q(respondents__email="")),
        answered=Count("respondents", filter=Q(respondents__answered_at__isnull=False)),
    )


# counted_groups()' three counts in SQL, for the two plain queries below (respondents `r`
# joined to their groups).
_GROUP_COUNTS = (
    "COUNT(r.id) AS invited, COUNT(CASE WHEN r.email <> '' THEN 1 END) AS emailed, "
    "COUNT(r.answered_at) AS answered"
)


def round_with_counted_groups(*, assessment):
    """The assessment's round (or None) with its groups, in their order and with
    counted_groups()' counts, already in round_.groups.all(): one plain query where the
    round and Prefetch("groups", counted_groups()) took two, the second slow to compile."""
    p, g, r = (
        PerspectiveRound._meta.db_table,
        PerspectiveGroup._meta.db_table,
        Respondent._meta.db_table,
    )
    rows = list(
        PerspectiveRound.objects.raw(
            f"SELECT p.id, p.assessment_id, p.closes_on, p.closed_at, p.opened_by_id, "  # noqa: S608
            f"p.opened_at, g.id AS group_id, g.name AS group_name, "
            f"g.position AS group_position, {_GROUP_COUNTS} "
            f"FROM {p} p LEFT OUTER JOIN {g} g ON g.round_id = p.id "
            f"LEFT OUTER JOIN {r} r ON r.group_id = g.id WHERE p.assessment_id = %s "
            f"GROUP BY p.id, p.assessment_id, p.closes_on, p.closed_at, p.opened_by_id, "
            f"p.opened_at, g.id, g.name, g.position ORDER BY g.position, g.id",
            [assessment.pk],
        )
    )
    if not rows:
        return None
    round_ = rows[0]
    groups = []
    for row in rows:
        if row.group_id is None:
            continue  # a round without groups: one row, its group's columns NULL
        group = PerspectiveGroup(
            id=row.group_id, round=round_, name=row.group_name, position=row.group_position
        )
        group.invited, group.emailed, group.answered = row.invited, row.emailed, row.answered
        groups.append(group)
    for name in ("group_id", "group_name", "group_position", "invited", "emailed", "answered"):
        delattr(round_, name)
    _fill_groups(round_, groups)
    return round_


def _fill_groups(round_, groups):
    # What prefetch_related_objects leaves behind: the manager's queryset, already filled.
    queryset = round_.groups.get_queryset()
    queryset._result_cache = groups
    queryset._prefetch_done = True
    if not hasattr(round_, "_prefetched_objects_cache"):
        round_._prefetched_objects_cache = {}
    round_._prefetched_objects_cache["groups"] = queryset


def prefetch_counted_groups(*, round_):
    """Load round_'s groups, in their order, with counted_groups()' counts (`invited`,
    `emailed`, `answered`) into round_.groups.all(), as Prefetch("groups",
    counted_groups()) does, in one plain query: the results page reads them on every
    request, and the ORM took longer to compile the three filtered counts than the
    database took to run them."""
    g, r = PerspectiveGroup._meta.db_table, Respondent._meta.db_table
    groups = list(
        PerspectiveGroup.objects.raw(
            f"SELECT g.id, g.round_id, g.name, g.position, {_GROUP_COUNTS} "  # noqa: S608
            f"FROM {g} g LEFT OUTER JOIN {r} r ON r.group_id = g.id WHERE g.round_id = %s "
            f"GROUP BY g.id, g.round_id, g.name, g.position ORDER BY g.position, g.id",
            [round_.pk],
        )
    )
    for group in groups:
        group.round = round_
    _fill_groups(round_, groups)
    return groups


def progress(*, round_, groups=None):
    """[(group, invited, answered)] for the office: counts only, never who answered what.
    `groups`, the round's groups from counted_groups(), saves the query to a caller that has
    them."""
    if groups is None:
        groups = counted_groups().filter(round=round_)
    return [(group, group.invited, group.answered) for group in groups]


# A round's agreed levels, compiled once per process (the results and criterion pages).
_CONSENSUS_OF = Prepared(lambda round_id: Consensus.objects.filter(round_id=round_id))


def consensus_of(*, round_):
    """{criterion id: Consensus} of the round, in one prepared query (the criterion page's
    too, in beside_criteria)."""
    return {consensus.criterion_id: consensus for consensus in _CONSENSUS_OF(round_id=round_.pk)}


def record_consensus(*, round_, user, agreed):
    """Record the agreed levels {criterion number: (level, rationale)} once the round closed;
    each becomes the entry's level (a normal save, with its history and conflict check)."""
    if is_open(round_):
        raise ValidationError(_("Agree the levels once the round has closed."))
    assessment = round_.assessment
    entries = {
        e.criterion.number: e
        for e in Entry.objects.filter(assessment=assessment)
        .select_related("criterion", "assessment")
        .prefetch_related("evidence")
    }
    saved = []
    with transaction.atomic():
        for number, (level, rationale) in sorted(agreed.items()):
            entry = entries[number]
            Consensus.objects.update_or_create(
                round=round_,
                criterion=entry.criterion,
                defaults={"level": level, "rationale": rationale.strip(), "recorded_by": user},
            )
            values, links = workflow.entry_state(entry)
            data = {
                **values,
                "applicability": Entry.Applicability.ASSESSED,
                "level": level,
                # The evidence as it is (links and files): the agreed level changes nothing else.
                "evidence": [
                    {"url": url, "title": title, "checked_on": checked_on, "file": stored}
                    for url, title, checked_on, stored in links
                ],
            }
            result = workflow.save_entry(
                entry=entry, data=data, base_version=entry.version, user=user
            )
            if not result.saved:
                raise ValidationError(_("Someone changed a criterion meanwhile; try again."))
            saved.append(number)
    return saved


ALL_RESPONDENTS = "all respondents"


def public_figures(*, round_, computed=None, titles=None):
    """What every output outside the round's page shows of a closed round (CSV, API, PDF):
    only the figures summarise() lets through, no comments, no single answer. None while
    the round is open (figures that move as answers arrive would give answers away).
    `computed` (summaries()' result) and `titles` ({number: short title}) save their queries
    to a caller that has them for several rounds."""
    if round_ is None or is_open(round_):
        return None
    if computed is None:
        computed = summary(round_=round_)
    names = {g.pk: g.name for g in round_.groups.all()}
    if titles is None:
        titles = dict(Criterion.objects.values_list("number", "short_title"))
    criteria = []
    for row in computed.rows:
        figures = [(names[gid], False, cell) for gid, cell in row.cells if cell is not None]
        if row.overall is not None:
            figures.append((ALL_RESPONDENTS, True, row.overall))
        criteria.append(
            {
                "number": row.criterion,
                "title": titles.get(row.criterion, ""),
                "divergent": row.divergent,
                "figures": [
                    {
                        "group": name,
                        "overall": overall,
                        "answers": cell.answers,
                        "dont_know": cell.dont_know,
                        "median": _plain(cell.median),
                        "low": cell.low,
                        "high": cell.high,
                        "q1": _plain(cell.q1),
                        "q3": _plain(cell.q3),
                    }
                    for name, overall, cell in figures
                ],
            }
        )
    return {
        "closed_on": round_.closed_at.date() if round_.closed_at else round_.closes_on,
        "min_group": computed.min_group,
        "respondents": computed.respondents,
        "groups": [
            {"name": names[g.id], "respondents": g.respondents, "shown": g.shown}
            for g in computed.groups
        ],
        "criteria": criteria,
        "shows_figures": any(c["figures"] for c in criteria),
    }


def _plain(value):
    """2.0 -> 2: medians and quartiles are whole levels more often than not."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


def closed_figures(request, *, round_, criteria):
    """public_figures() of a closed round for `criteria` (every criterion, loaded), with the
    round's groups read once for both its steps."""
    prefetch_related_objects([round_], "groups")
    criteria = sorted(criteria, key=lambda c: c.number)
    return public_figures(
        round_=round_,
        computed=summary(round_=round_, numbers=[c.number for c in criteria]),
        titles={c.number: c.short_title for c in criteria},
    )


# What the criterion page reads a closed round's figures with: reports installs one that
# keeps them in this process (reports.cache.closed_round_figures). A closed round's answers
# never change again (save_answers refuses them), so its close is their key.
closed_figures_reader = closed_figures


# beside_criteria's read of the round (the criterion page's), compiled once per process.
_ROUND_OF = Prepared(
    lambda assessment_id: PerspectiveRound.objects.filter(assessment_id=assessment_id)
)


def beside_criteria(*, assessment, criteria=None, request=None):
    """What a round says of each criterion, for the pages that show one criterion at a time
    (the review page, the criterion page): None without a round, else {"round", "is_open",
    "respondents", "by_number": {number: {"figures", "divergent", "agreed"}}}. The figures
    are public_figures' (the privacy rule holds), "agreed" the Consensus, if any.
    `criteria` (every criterion, already loaded) saves two queries, and lets the figures
    of a closed round come from closed_figures_reader (`request` gives it the request's
    reference stamp)."""
    round_ = next(iter(_ROUND_OF(assessment_id=assessment.pk)), None)
    if round_ is None:
        return None
    if is_open(round_):
        # No figures yet, and no consensus: it is recorded once the round has closed.
        return {"round": round_, "is_open": True, "respondents": None, "by_number": {}}
    if criteria is None:
        prefetch_related_objects([round_], "groups")  # for summary() and public_figures()
        figures = public_figures(round_=round_)
        agreed = {
            c.criterion.number: c
            for c in Consensus.objects.filter(round=round_).select_related("criterion")
        }
    else:
        figures = closed_figures_reader(request, round_=round_, criteria=criteria)
        number_of = {c.pk: c.number for c in criteria}
        agreed = {
            number_of[c.criterion_id]: c
            for c in _CONSENSUS_OF(round_id=round_.pk)
            if c.criterion_id in number_of
        }
    by_number = {}
    for criterion in figures["criteria"]:
        by_number[criterion["number"]] = {
            "figures": criterion["figures"],
            "divergent": criterion["divergent"],
        }
    for number, consensus in agreed.items():
        by_number.setdefault(number, {"figures": [], "divergent": False})["agreed"] = consensus
    return {
        "round": round_,
        "is_open": False,
        "respondents": figures["respondents"],
        "by_number": by_number,
    }
