"""`backup` then `restore` into an emptied database gives back every row, unchanged."""

import gzip
import json

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Assessment, EvidenceLink, Membership, ReviewComment
from criteria.models import Criterion
from ovp_assess.backup import backed_up_models
from tests import factories


def _build_data(office):
    staff = factories.make_user("backup-staff", office=office, email="staff@example.org")
    factories.make_user("backup-viewer", office=office, role=Membership.Role.VIEWER)
    reviewer = factories.make_user("backup-reviewer", group="reviewers")
    reviewer.user_permissions.add(Permission.objects.get(codename="change_assessment"))
    Group.objects.get(name="reviewers").permissions.add(
        Permission.objects.get(codename="view_assessment")
    )
    assessment = factories.make_assessment(office, levels=[0, 1, 2, 3, 4, None, 1, 2, 3])
    entry = assessment.entries.get(criterion__number=1)
    entry.strengths = "Ünïcode strengths ‮ with RLO, emoji 👩🏽‍⚕️ and\nnew lines"
    entry.version += 1
    entry._history_user = staff
    entry.save()  # a history record with a user
    EvidenceLink.objects.create(entry=entry, url="https://example.org/a", title="Annual report")
    ReviewComment.objects.create(
        assessment=assessment, criterion=entry.criterion, author=reviewer, text="Please cite."
    )
    # A history row that still names a user deleted since (its FK has no constraint).
    gone = factories.make_user("backup-gone")
    assessment.created_by = gone
    assessment.save()
    gone.delete()
    LogEntry.objects.log_actions(
        user_id=reviewer.pk, queryset=[assessment], action_flag=ADDITION, change_message="added"
    )


def _snapshot():
    """Every row of every backed-up model; content types and permissions by natural key."""
    content_types = {ct.pk: ct.natural_key() for ct in ContentType.objects.all()}
    rows = {}
    for model in backed_up_models():
        values = list(model._base_manager.order_by("pk").values())
        for row in values:
            if "content_type_id" in row:
                row["content_type_id"] = content_types[row["content_type_id"]]
        rows[model._meta.label_lower] = values
    rows["m2m"] = {
        "user_groups": sorted(User.groups.through.objects.values_list("user_id", "group__name")),
        "group_permissions": sorted(
            Group.permissions.through.objects.values_list("group__name", "permission__codename")
        ),
        "user_permissions": sorted(
            User.user_permissions.through.objects.values_list("user_id", "permission__codename")
        ),
    }
    return rows


@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trip_keeps_every_row(report, office, tmp_path):
    _build_data(office)
    before = _snapshot()
    path = tmp_path / "backup.jsonl.gz"

    call_command("backup", output=str(path), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    assert Assessment.objects.count() == 0
    call_command("restore", str(path), verbosity=0)

    after = _snapshot()
    assert after == before
    # The rows the issue names, checked one by one for a clearer failure.
    for label in (
        "auth.user",
        "auth.group",
        "assessments.membership",
        "assessments.assessment",
        "assessments.entry",
        "assessments.evidencelink",
        "assessments.reviewcomment",
        "assessments.historicalassessment",
        "assessments.historicalentry",
        "admin.logentry",
    ):
        assert len(after[label]) > 0, label
        assert after[label] == before[label], label
    hashes = dict(User.objects.values_list("username", "password"))
    assert hashes == {r["username"]: r["password"] for r in before["auth.user"]}
    assert User.objects.get(username="backup-staff").check_password("pw") is True
    assert set(after["m2m"]["group_permissions"]) == {("reviewers", "view_assessment")}


@pytest.mark.django_db(transaction=True)
def test_restore_new_rows_get_fresh_ids(report, office, tmp_path):
    """After a restore with explicit ids, PostgreSQL's sequences are moved past them."""
    assessment = factories.make_assessment(office)
    entry = assessment.entries.first()
    entry.save()
    path = tmp_path / "backup.jsonl.gz"
    call_command("backup", output=str(path), verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore", str(path), verbosity=0)

    new = factories.make_assessment(office, cycle=2026)
    new_entry = new.entries.first()
    new_entry.save()
    user = factories.make_user("after-restore")
    assert new.pk > assessment.pk
    assert new_entry.history.first().history_id > entry.history.first().history_id
    assert user.pk > 0
    assert Criterion.objects.count() == 9


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_rows(report, tmp_path):
    path = tmp_path / "backup.jsonl.gz"
    call_command("backup", output=str(path), verbosity=0)
    with pytest.raises(CommandError, match="Restore only into an empty, migrated database"):
        call_command("restore", str(path), verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_backup_from_another_schema(report, tmp_path):
    path = tmp_path / "backup.jsonl.gz"
    call_command("backup", output=str(path), verbosity=0)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header, *rest = fh.readlines()
    header = json.loads(header)
    header["migrations"].append(["criteria", "9999_from_the_future"])
    changed = tmp_path / "future.jsonl.gz"
    with gzip.open(changed, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(header) + "\n" + "".join(rest))
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="criteria.9999_from_the_future"):
        call_command("restore", str(changed), verbosity=0)
    assert Criterion.objects.count() == 0


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    path = tmp_path / "not-a-backup.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write('{"model": "auth.user"}\n')
    with pytest.raises(CommandError, match="is not an OVP Assess backup"):
        call_command("restore", str(path), verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_restore_of_a_truncated_backup_writes_nothing(report, tmp_path):
    path = tmp_path / "backup.jsonl.gz"
    call_command("backup", output=str(path), verbosity=0)
    data = path.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="is damaged or truncated"):
        call_command("restore", str(cut), verbosity=0)
    assert Criterion.objects.count() == 0
