from django.urls import path

from .views import (
    entries,
    evidence,
    history,
    join,
    perspectives,
    plan,
    review,
    team,
    workspace,
)

app_name = "assess"
urlpatterns = [
    path("", workspace.home, name="home"),
    path("start/", workspace.start, name="start"),
    path("<int:pk>/", workspace.detail, name="detail"),
    path("<int:pk>/next-cycle/", workspace.next_cycle, name="next-cycle"),
    path("<int:pk>/withdraw/", workspace.withdraw, name="withdraw"),
    path("<int:pk>/reinstate/", workspace.reinstate, name="reinstate"),
    path("<int:pk>/criteria/<int:number>/", entries.criterion, name="criterion"),
    path("<int:pk>/evidence/<int:item>/", evidence.download, name="evidence-file"),
    path("<int:pk>/submit/", entries.submit, name="submit"),
    path("<int:pk>/learn/", entries.learn, name="learn"),
    path("<int:pk>/history/", history.history, name="history"),
    path("<int:pk>/diff/", history.diff, name="diff"),
    path("<int:pk>/history/<int:revision>/restore/", history.restore, name="restore"),
    path("<int:pk>/perspectives/", perspectives.overview, name="perspectives"),
    path("<int:pk>/perspectives/invite/", perspectives.invite, name="perspectives-invite"),
    path("<int:pk>/perspectives/codes/", perspectives.codes, name="perspectives-codes"),
    path("<int:pk>/perspectives/close/", perspectives.close, name="perspectives-close"),
    path("<int:pk>/perspectives/agree/", perspectives.agree, name="perspectives-agree"),
    path("review/", review.review_queue, name="review-queue"),
    path("<int:pk>/review/", review.review, name="review"),
    path("<int:pk>/review/comment/", review.review_comment, name="review-comment"),
    path("<int:pk>/review/return/", review.review_return, name="review-return"),
    path("<int:pk>/review/publish/", review.review_publish, name="review-publish"),
    path("registrations/", join.registrations, name="registrations"),
    path("registrations/<int:pk>/", join.registration, name="registration"),
    path("offices/<int:office_id>/team/", team.team, name="team"),
    path(
        "offices/<int:office_id>/team/members/<int:member_id>/role/",
        team.change_role,
        name="team-role",
    ),
    path(
        "offices/<int:office_id>/team/members/<int:member_id>/remove/",
        team.remove,
        name="team-remove",
    ),
    path(
        "offices/<int:office_id>/team/invitations/<int:invitation_id>/revoke/",
        team.revoke,
        name="team-revoke",
    ),
    path("<int:pk>/comments/<int:comment_id>/reply/", review.comment_reply, name="comment-reply"),
    path(
        "<int:pk>/comments/<int:comment_id>/resolve/",
        review.comment_resolve,
        name="comment-resolve",
    ),
    path(
        "<int:pk>/comments/<int:comment_id>/reopen/", review.comment_reopen, name="comment-reopen"
    ),
    path("<int:pk>/correct/", review.correct, name="correct"),
]

urlpatterns += [
    path("offices/<int:office_id>/plan/", plan.plan, name="plan"),
    path("offices/<int:office_id>/plan.csv", plan.plan_csv, name="plan-csv"),
    path("offices/<int:office_id>/plan.ics", plan.plan_ics, name="plan-ics"),
    path("offices/<int:office_id>/plan/actions/new/", plan.action_new, name="action-new"),
    path("offices/<int:office_id>/plan/actions/<int:action_id>/", plan.action, name="action"),
    path("<int:pk>/criteria/<int:number>/action-notes/", plan.action_notes, name="action-notes"),
]
