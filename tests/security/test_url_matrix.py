"""Role by URL: every URL pattern of the project, requested as every persona, exact status.

The table below is the specification: one row per (URL name, method, object state), one
column per persona. `test_url_matrix` requests each row as each persona and compares the
whole row; `test_every_url_pattern_has_a_row` fails when a URL pattern is added (or
renamed) without a row here, so no new page escapes the permission review.

Statuses: a number is the exact HTTP status; `login` is a 302 to /accounts/login/;
`admin` is a 302 to the admin's own login page; `302` is a redirect anywhere else (the
action was done, or the view sends you on with a message).

Personas: anonymous; `staff` an editor of the demo office; `lead` the lead of its team;
`other` an editor of another office; `viewer` a read-only member of the demo office; `reviewer`; `researcher`; `admin`
a superuser. Object states: `draft`, `submitted`, `published` are self-assessments of the
demo office; `missing` is an id that does not exist; `-` means the URL takes no object;
`token` is a valid link of /join/ (a registration to verify, a question to answer, an
invitation) and `bad-token` a forged one; `registration` a verified registration waiting
for a reviewer; `office` the demo office's team (with the viewer's membership and an open
invitation); for a scorecard bundle's job, `ready` is the bundle of the report's 2024
scorecards and `hidden` one holding a scorecard that is no longer published (the demo
office's draft).

Each request runs inside a savepoint that is rolled back, so a POST by one persona (a
save, a submit, a logout) never changes what the next persona sees.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils import timezone

from assessments import plans, rounds, teams
from assessments import registration as reg
from assessments.models import Assessment, Membership, Registration, ReviewComment
from cities.models import City
from criteria.models import Criterion
from reports import bundle
from tests import factories

PERSONAS = ["anon", "staff", "lead", "other", "viewer", "reviewer", "researcher", "admin"]

# fmt: off
MATRIX = """
name                              method state      anon   staff  lead   other  viewer reviewer researcher admin
home                              GET    -          200    200    200    200    200    200    200    200
home                              POST   -          405    405    405    405    405    405    405    405
healthz                           GET    -          200    200    200    200    200    200    200    200
healthz                           POST   -          405    405    405    405    405    405    405    405
robots_txt                        GET    -          200    200    200    200    200    200    200    200
robots_txt                        POST   -          405    405    405    405    405    405    405    405
set_language                      GET    -          302    302    302    302    302    302    302    302
set_language                      POST   -          302    302    302    302    302    302    302    302

account_login                     GET    -          200    302    302    302    302    302    302    302
account_login                     POST   -          200    302    302    302    302    302    302    302
account_logout                    GET    -          302    200    200    200    200    200    200    200
account_logout                    POST   -          302    302    302    302    302    302    302    302
account_inactive                  GET    -          200    200    200    200    200    200    200    200
account_inactive                  POST   -          405    405    405    405    405    405    405    405
account_profile                   GET    -          login  200    200    200    200    200    200    200
account_profile                   POST   -          login  200    200    200    200    200    200    200
account_notifications             GET    -          login  200    200    200    200    200    200    200
account_notifications             POST   -          login  200    200    200    200    200    200    200
account_reauthenticate            GET    -          login  200    200    200    200    200    200    200
account_reauthenticate            POST   -          login  200    200    200    200    200    200    200
account_email                     GET    -          login  200    200    200    200    200    200    200
account_email                     POST   -          login  302    302    302    302    302    302    302
account_email_verification_sent   GET    -          200    200    200    200    200    200    200    200
account_email_verification_sent   POST   -          405    405    405    405    405    405    405    405
account_confirm_email             GET    bad-token  200    200    200    200    200    200    200    200
account_confirm_email             POST   bad-token  404    404    404    404    404    404    404    404
account_change_password           GET    -          login  200    200    200    200    200    200    200
account_change_password           POST   -          login  200    200    200    200    200    200    200
account_set_password              GET    -          login  302    302    302    302    302    302    302
account_set_password              POST   -          login  302    302    302    302    302    302    302
account_reset_password            GET    -          200    200    200    200    200    200    200    200
account_reset_password            POST   -          200    200    200    200    200    200    200    200
account_reset_password_done       GET    -          200    200    200    200    200    200    200    200
account_reset_password_done       POST   -          405    405    405    405    405    405    405    405
account_reset_password_from_key   GET    bad-token  200    200    200    200    200    200    200    200
account_reset_password_from_key   POST   bad-token  200    200    200    200    200    200    200    200
account_reset_password_from_key_done GET    -          200    200    200    200    200    200    200    200
account_reset_password_from_key_done POST   -          405    405    405    405    405    405    405    405
mfa_index                         GET    -          login  200    200    200    200    200    200    200
mfa_index                         POST   -          login  405    405    405    405    405    405    405
mfa_authenticate                  GET    -          login  302    302    302    302    302    302    302
mfa_authenticate                  POST   -          login  302    302    302    302    302    302    302
mfa_reauthenticate                GET    -          login  302    302    302    302    302    302    302
mfa_reauthenticate                POST   -          login  302    302    302    302    302    302    302
mfa_activate_totp                 GET    -          login  302    302    302    302    302    302    302
mfa_activate_totp                 POST   -          login  302    302    302    302    302    302    302
mfa_deactivate_totp               GET    -          login  404    404    404    404    404    404    404
mfa_deactivate_totp               POST   -          login  404    404    404    404    404    404    404
mfa_view_recovery_codes           GET    -          login  404    404    404    404    404    404    404
mfa_view_recovery_codes           POST   -          login  405    405    405    405    405    405    405
mfa_generate_recovery_codes       GET    -          login  302    302    302    302    302    302    302
mfa_generate_recovery_codes       POST   -          login  302    302    302    302    302    302    302
mfa_download_recovery_codes       GET    -          login  404    404    404    404    404    404    404
mfa_download_recovery_codes       POST   -          login  404    404    404    404    404    404    404

criteria:list                     GET    -          200    200    200    200    200    200    200    200
criteria:list                     POST   -          405    405    405    405    405    405    405    405
criteria:detail                   GET    -          200    200    200    200    200    200    200    200
criteria:detail                   GET    missing    404    404    404    404    404    404    404    404
criteria:detail                   POST   -          405    405    405    405    405    405    405    405
cities:list                       GET    -          200    200    200    200    200    200    200    200
cities:list                       POST   -          405    405    405    405    405    405    405    405
cities:detail                     GET    -          200    200    200    200    200    200    200    200
cities:detail                     GET    missing    404    404    404    404    404    404    404    404
cities:detail                     POST   -          405    405    405    405    405    405    405    405

assess:home                       GET    -          login  200    200    200    200    200    200    200
assess:home                       POST   -          login  405    405    405    405    405    405    405
assess:start                      GET    -          login  405    405    405    405    405    405    405
assess:start                      POST   -          login  302    302    404    403    404    404    404
assess:review-queue               GET    -          login  403    403    403    403    200    403    200
assess:review-queue               POST   -          login  405    405    405    405    405    405    405

assess:detail                     GET    draft      login  200    200    404    200    200    404    200
assess:detail                     GET    submitted  login  200    200    404    200    200    404    200
assess:detail                     GET    published  login  200    200    404    200    200    404    200
assess:detail                     GET    missing    login  404    404    404    404    404    404    404
assess:detail                     POST   draft      login  405    405    404    405    405    404    405
assess:detail                     POST   published  login  405    405    404    405    405    404    405
assess:criterion                  GET    draft      login  200    200    404    200    200    404    200
assess:criterion                  GET    submitted  login  200    200    404    200    200    404    200
assess:criterion                  GET    published  login  200    200    404    200    200    404    200
assess:criterion                  GET    missing    login  404    404    404    404    404    404    404
assess:criterion                  POST   draft      login  302    302    404    403    404    404    404
assess:criterion                  POST   submitted  login  409    409    404    403    404    404    404
assess:criterion                  POST   published  login  409    409    404    403    404    404    404
assess:submit                     GET    draft      login  200    200    404    200    200    404    200
assess:submit                     GET    published  login  200    200    404    200    200    404    200
assess:submit                     POST   draft      login  302    302    404    403    404    404    404
assess:submit                     POST   submitted  login  403    403    404    403    404    404    404
assess:submit                     POST   published  login  403    403    404    403    404    404    404
assess:learn                      GET    draft      login  200    200    404    200    200    404    200
assess:learn                      GET    published  login  200    200    404    200    200    404    200
assess:learn                      POST   draft      login  405    405    404    405    405    404    405
assess:history                    GET    draft      login  200    200    404    200    200    404    200
assess:history                    GET    published  login  200    200    404    200    200    404    200
assess:history                    POST   draft      login  405    405    404    405    405    404    405
assess:diff                       GET    draft      login  200    200    404    200    200    404    200
assess:diff                       GET    published  login  200    200    404    200    200    404    200
assess:diff                       POST   draft      login  405    405    404    405    405    404    405
assess:withdraw                   GET    draft      login  405    405    404    405    405    404    405
assess:withdraw                   POST   draft      login  302    302    404    403    404    404    404
assess:withdraw                   POST   submitted  login  403    403    404    403    404    404    404
assess:withdraw                   POST   published  login  403    403    404    403    404    404    404
assess:withdraw                   POST   missing    login  404    404    404    404    404    404    404
assess:reinstate                  GET    draft      login  405    405    404    405    405    404    405
assess:reinstate                  POST   draft      login  403    403    404    403    302    404    302
assess:reinstate                  POST   published  login  403    403    404    403    302    404    302
assess:reinstate                  POST   missing    login  404    404    404    404    404    404    404
assess:restore                    GET    draft      login  405    405    404    405    405    404    405
assess:restore                    POST   draft      login  302    302    404    403    404    404    404
assess:restore                    POST   submitted  login  403    403    404    403    404    404    404
assess:restore                    POST   published  login  403    403    404    403    404    404    404
assess:restore                    POST   missing    login  404    404    404    404    404    404    404
assess:review                     GET    draft      login  403    403    404    403    200    404    200
assess:review                     GET    submitted  login  403    403    404    403    200    404    200
assess:review                     GET    published  login  403    403    404    403    200    404    200
assess:review                     POST   draft      login  405    405    404    405    405    404    405
assess:review                     POST   submitted  login  405    405    404    405    405    404    405
assess:review                     POST   published  login  405    405    404    405    405    404    405
assess:review-comment             GET    draft      login  405    405    404    405    405    404    405
assess:review-comment             GET    submitted  login  405    405    404    405    405    404    405
assess:review-comment             GET    published  login  405    405    404    405    405    404    405
assess:review-comment             POST   draft      login  403    403    404    403    302    404    302
assess:review-comment             POST   submitted  login  403    403    404    403    302    404    302
assess:review-comment             POST   published  login  403    403    404    403    302    404    302
assess:review-return              GET    draft      login  405    405    404    405    405    404    405
assess:review-return              GET    submitted  login  405    405    404    405    405    404    405
assess:review-return              GET    published  login  405    405    404    405    405    404    405
assess:review-return              POST   draft      login  403    403    404    403    302    404    302
assess:review-return              POST   submitted  login  403    403    404    403    302    404    302
assess:review-return              POST   published  login  403    403    404    403    302    404    302
assess:review-publish             GET    draft      login  405    405    404    405    405    404    405
assess:review-publish             GET    submitted  login  405    405    404    405    405    404    405
assess:review-publish             GET    published  login  405    405    404    405    405    404    405
assess:review-publish             POST   draft      login  403    403    404    403    302    404    302
assess:review-publish             POST   submitted  login  403    403    404    403    302    404    302
assess:review-publish             POST   published  login  403    403    404    403    302    404    302
assess:next-cycle                 GET    published  login  405    405    404    405    405    404    405
assess:next-cycle                 POST   draft      login  302    302    404    403    403    404    403
assess:next-cycle                 POST   submitted  login  302    302    404    403    403    404    403
assess:next-cycle                 POST   published  login  302    302    404    403    403    404    403
assess:evidence-file              GET    draft      404    200    200    404    200    200    404    200
assess:evidence-file              GET    submitted  404    200    200    404    200    200    404    200
assess:evidence-file              GET    published  200    200    200    200    200    200    200    200
assess:evidence-file              GET    missing    404    404    404    404    404    404    404    404
assess:evidence-file              POST   draft      404    405    405    404    405    405    404    405
assess:evidence-file              POST   published  405    405    405    405    405    405    405    405

join:register                     GET    -          200    200    200    200    200    200    200    200
join:register                     POST   -          302    302    302    302    302    302    302    302
join:sent                         GET    -          200    200    200    200    200    200    200    200
join:sent                         POST   -          405    405    405    405    405    405    405    405
join:verify                       GET    token      200    200    200    200    200    200    200    200
join:verify                       GET    bad-token  404    404    404    404    404    404    404    404
join:verify                       POST   token      200    200    200    200    200    200    200    200
join:verify                       POST   bad-token  404    404    404    404    404    404    404    404
join:answer                       GET    token      200    200    200    200    200    200    200    200
join:answer                       GET    bad-token  404    404    404    404    404    404    404    404
join:answer                       POST   token      200    200    200    200    200    200    200    200
join:answer                       POST   bad-token  404    404    404    404    404    404    404    404
# The invitation is for an address no persona has: signed-in personas are told so (403).
join:invitation                   GET    token      200    403    403    403    403    403    403    403
join:invitation                   GET    bad-token  404    404    404    404    404    404    404    404
join:invitation                   POST   token      400    403    403    403    403    403    403    403
join:invitation                   POST   bad-token  404    404    404    404    404    404    404    404
assess:registrations              GET    -          login  403    403    403    403    200    403    200
assess:registrations              POST   -          login  405    405    405    405    405    405    405
assess:registration               GET    registration login 403   403    403    403    200    403    200
assess:registration               GET    missing    login  403    403    403    403    404    403    404
assess:registration               POST   registration login 403   403    403    403    302    403    302
assess:registration               POST   missing    login  403    403    403    403    404    403    404
assess:team                       GET    office     login  200    200    404    200    404    404    404
assess:team                       GET    missing    login  404    404    404    404    404    404    404
assess:team                       POST   office     login  403    302    404    403    404    404    404
assess:team                       POST   missing    login  404    404    404    404    404    404    404
assess:team-role                  GET    office     login  405    405    404    405    404    404    404
assess:team-role                  POST   office     login  403    302    404    403    404    404    404
assess:team-role                  POST   missing    login  404    404    404    404    404    404    404
# The viewer's own membership: the viewer may leave, the lead may remove them.
assess:team-remove                GET    office     login  405    405    404    405    404    404    404
assess:team-remove                POST   office     login  403    302    404    302    404    404    404
assess:team-remove                POST   missing    login  404    404    404    404    404    404    404
assess:team-revoke                GET    office     login  405    405    404    405    404    404    404
assess:team-revoke                POST   office     login  403    302    404    403    404    404    404
assess:team-revoke                POST   missing    login  404    404    404    404    404    404    404
# The office's plan: members and reviewers read it, editors and leads change it, viewers
# read only (403 on a change); other offices and researchers get 404. `office` is an action
# of the demo office; its notes are written on a draft's criterion page.
assess:plan                       GET    office     login  200    200    404    200    200    404    200
assess:plan                       GET    missing    login  404    404    404    404    404    404    404
assess:plan                       POST   office     login  405    405    404    405    405    404    405
assess:plan-csv                   GET    office     login  200    200    404    200    200    404    200
assess:plan-csv                   GET    missing    login  404    404    404    404    404    404    404
assess:plan-csv                   POST   office     login  405    405    404    405    405    404    405
assess:plan-ics                   GET    office     login  200    200    404    200    200    404    200
assess:plan-ics                   GET    missing    login  404    404    404    404    404    404    404
assess:plan-ics                   POST   office     login  405    405    404    405    405    404    405
assess:action-new                 GET    office     login  200    200    404    403    404    404    404
assess:action-new                 GET    missing    login  404    404    404    404    404    404    404
assess:action-new                 POST   office     login  302    302    404    403    404    404    404
assess:action-new                 POST   missing    login  404    404    404    404    404    404    404
assess:action                     GET    office     login  200    200    404    200    200    404    200
assess:action                     GET    missing    login  404    404    404    404    404    404    404
assess:action                     POST   office     login  302    302    404    403    404    404    404
assess:action                     POST   missing    login  404    404    404    403    404    404    404
assess:action-notes               GET    draft      login  405    405    404    405    405    404    405
assess:action-notes               POST   draft      login  302    302    404    403    404    404    404
assess:action-notes               POST   published  login  403    403    404    403    404    404    404
assess:action-notes               POST   missing    login  404    404    404    404    404    404    404
assess:perspectives               GET    draft      login  200    200    404    200    200    404    200
assess:perspectives               GET    round      login  200    200    404    200    200    404    200
assess:perspectives               GET    closed     login  200    200    404    200    200    404    200
assess:perspectives               GET    published  login  200    200    404    200    200    404    200
assess:perspectives               GET    missing    login  404    404    404    404    404    404    404
assess:perspectives               POST   draft      login  302    302    404    403    404    404    404
assess:perspectives               POST   published  login  403    403    404    403    404    404    404
assess:perspectives-invite        GET    round      login  405    405    404    405    405    404    405
assess:perspectives-invite        POST   draft      login  404    404    404    403    404    404    404
assess:perspectives-invite        POST   round      login  302    302    404    403    404    404    404
assess:perspectives-invite        POST   closed     login  400    400    404    403    404    404    404
assess:perspectives-codes         GET    round      login  405    405    404    405    405    404    405
assess:perspectives-codes         POST   round      login  200    200    404    403    404    404    404
assess:perspectives-codes         POST   closed     login  400    400    404    403    404    404    404
assess:perspectives-close         GET    round      login  405    405    404    405    405    404    405
assess:perspectives-close         POST   round      login  302    302    404    403    404    404    404
assess:perspectives-close         POST   published  login  403    403    404    403    404    404    404
assess:perspectives-agree         GET    closed     login  405    405    404    405    405    404    405
assess:perspectives-agree         POST   round      login  400    400    404    403    404    404    404
assess:perspectives-agree         POST   closed     login  302    302    404    403    404    404    404
respond:code                      GET    -          200    200    200    200    200    200    200    200
respond:code                      POST   -          400    400    400    400    400    400    400    400
respond:answer                    GET    round      200    200    200    200    200    200    200    200
respond:answer                    GET    closed     410    410    410    410    410    410    410    410
respond:answer                    GET    missing    404    404    404    404    404    404    404    404
respond:answer                    POST   round      302    302    302    302    302    302    302    302
respond:answer                    POST   closed     410    410    410    410    410    410    410    410
# The conversation on a review comment: the office's editors and reviewers take part, its
# viewers read only (403); a published assessment's comments are closed (the reply page
# says so, a reply is refused next to the field, resolving is refused with a message).
assess:comment-reply              GET    draft      login  200    200    404    403    200    404    200
assess:comment-reply              GET    submitted  login  200    200    404    403    200    404    200
assess:comment-reply              GET    published  login  200    200    404    403    200    404    200
assess:comment-reply              GET    missing    login  404    404    404    404    404    404    404
assess:comment-reply              POST   draft      login  302    302    404    403    302    404    302
assess:comment-reply              POST   submitted  login  302    302    404    403    302    404    302
assess:comment-reply              POST   published  login  200    200    404    403    200    404    200
assess:comment-reply              POST   missing    login  404    404    404    404    404    404    404
assess:comment-resolve            GET    draft      login  405    405    404    405    405    404    405
assess:comment-resolve            POST   draft      login  302    302    404    403    302    404    302
assess:comment-resolve            POST   submitted  login  302    302    404    403    302    404    302
assess:comment-resolve            POST   published  login  302    302    404    403    302    404    302
assess:comment-resolve            POST   missing    login  404    404    404    404    404    404    404
assess:comment-reopen             GET    draft      login  405    405    404    405    405    404    405
assess:comment-reopen             POST   draft      login  302    302    404    403    302    404    302
assess:comment-reopen             POST   submitted  login  302    302    404    403    302    404    302
assess:comment-reopen             POST   published  login  302    302    404    403    302    404    302
assess:comment-reopen             POST   missing    login  404    404    404    404    404    404    404
# Correcting a published assessment: reviewers only; on anything but a published
# self-assessment the reviewer is sent back with a message.
assess:correct                    GET    draft      login  403    403    404    403    302    404    302
assess:correct                    GET    published  login  403    403    404    403    200    404    200
assess:correct                    GET    missing    login  404    404    404    404    404    404    404
assess:correct                    POST   draft      login  403    403    404    403    302    404    302
assess:correct                    POST   submitted  login  403    403    404    403    302    404    302
assess:correct                    POST   published  login  403    403    404    403    302    404    302
assess:correct                    POST   missing    login  404    404    404    404    404    404    404
reports:matrix-xlsx               GET    -          200    200    200    200    200    200    200    200
reports:matrix-xlsx               GET    report     200    200    200    200    200    200    200    200
reports:matrix-xlsx               POST   -          405    405    405    405    405    405    405    405
reports:assessment-xlsx           GET    draft      404    200    200    404    200    200    404    200
reports:assessment-xlsx           GET    submitted  404    200    200    404    200    200    404    200
reports:assessment-xlsx           GET    published  200    200    200    200    200    200    200    200
reports:assessment-xlsx           GET    missing    404    404    404    404    404    404    404    404
reports:assessment-xlsx           POST   draft      405    405    405    405    405    405    405    405
reports:assessment-xlsx           POST   published  405    405    405    405    405    405    405    405

reports:matrix                    GET    -          200    200    200    200    200    200    200    200
# Parameter states of the matrix (QUERIES below): the report view with a city shown as
# cards, the latest of any kind, a card city that is not compared (a message, not an error).
reports:matrix                    GET    report     200    200    200    200    200    200    200    200
reports:matrix                    GET    latest     200    200    200    200    200    200    200    200
reports:matrix                    GET    bad-city   200    200    200    200    200    200    200    200
reports:matrix                    POST   -          405    405    405    405    405    405    405    405
reports:matrix-csv                GET    -          200    200    200    200    200    200    200    200
reports:matrix-csv                GET    report     200    200    200    200    200    200    200    200
reports:matrix-csv                GET    latest     200    200    200    200    200    200    200    200
reports:matrix-csv                POST   -          405    405    405    405    405    405    405    405
reports:dashboard                 GET    -          200    200    200    200    200    200    200    200
reports:dashboard                 GET    nothing    200    200    200    200    200    200    200    200
reports:dashboard                 GET    impossible 200    200    200    200    200    200    200    200
reports:dashboard                 POST   -          405    405    405    405    405    405    405    405
reports:dashboard-csv             GET    heatmap    200    200    200    200    200    200    200    200
reports:dashboard-csv             GET    radar      200    200    200    200    200    200    200    200
reports:dashboard-csv             GET    trends     200    200    200    200    200    200    200    200
reports:dashboard-csv             GET    distribution 200    200    200    200    200    200    200    200
reports:dashboard-csv             GET    missing    404    404    404    404    404    404    404    404
reports:dashboard-csv             POST   heatmap    405    405    405    405    405    405    405    405
reports:scorecard                 GET    draft      404    200    200    404    200    200    404    200
reports:scorecard                 GET    submitted  404    200    200    404    200    200    404    200
reports:scorecard                 GET    published  200    200    200    200    200    200    200    200
reports:scorecard                 GET    missing    404    404    404    404    404    404    404    404
reports:scorecard                 POST   draft      405    405    405    405    405    405    405    405
reports:scorecard                 POST   published  405    405    405    405    405    405    405    405
reports:scorecard-chart           GET    draft      404    200    200    404    200    200    404    200
reports:scorecard-chart           GET    published  200    200    200    200    200    200    200    200
reports:scorecard-chart           GET    missing    404    404    404    404    404    404    404    404
reports:scorecard-chart           POST   published  405    405    405    405    405    405    405    405
# The framed scorecard shows what the public sees, whoever asks: never a draft.
embed-scorecard                   GET    draft      404    404    404    404    404    404    404    404
embed-scorecard                   GET    submitted  404    404    404    404    404    404    404    404
embed-scorecard                   GET    published  200    200    200    200    200    200    200    200
embed-scorecard                   GET    missing    404    404    404    404    404    404    404    404
embed-scorecard                   POST   published  405    405    405    405    405    405    405    405
reports:perspectives-csv          GET    round      404    404    404    404    404    404    404    404
reports:perspectives-csv          GET    closed     404    200    200    404    200    200    404    200
reports:perspectives-csv          GET    published  404    404    404    404    404    404    404    404
reports:perspectives-csv          POST   closed     405    405    405    405    405    405    405    405
reports:scorecard-bundle          GET    report     200    200    200    200    200    200    200    200
reports:scorecard-bundle          GET    missing    404    404    404    404    404    404    404    404
reports:scorecard-bundle          POST   report     405    405    405    405    405    405    405    405
reports:bundle-job                GET    ready      200    200    200    200    200    200    200    200
reports:bundle-job                GET    hidden     404    200    200    404    200    200    404    200
reports:bundle-job                GET    missing    404    404    404    404    404    404    404    404
reports:bundle-job                POST   ready      302    302    302    302    302    302    302    302
reports:bundle-job                POST   hidden     404    302    302    404    302    302    404    302
reports:bundle-status             GET    ready      200    200    200    200    200    200    200    200
reports:bundle-status             GET    hidden     404    200    200    404    200    200    404    200
reports:bundle-status             GET    missing    404    404    404    404    404    404    404    404
reports:bundle-status             POST   ready      405    405    405    405    405    405    405    405
reports:bundle-download           GET    ready      200    200    200    200    200    200    200    200
reports:bundle-download           GET    hidden     404    200    200    404    200    200    404    200
reports:bundle-download           GET    missing    404    404    404    404    404    404    404    404
reports:bundle-download           POST   ready      405    405    405    405    405    405    405    405

# Open data: the same public package (published data only) whoever asks.
opendata:index                    GET    -          200    200    200    200    200    200    200    200
opendata:index                    POST   -          405    405    405    405    405    405    405    405
opendata:descriptor               GET    -          200    200    200    200    200    200    200    200
opendata:descriptor               POST   -          405    405    405    405    405    405    405    405
opendata:zip                      GET    -          200    200    200    200    200    200    200    200
opendata:zip                      POST   -          405    405    405    405    405    405    405    405
opendata:table                    GET    entries    200    200    200    200    200    200    200    200
opendata:table                    GET    missing    404    404    404    404    404    404    404    404
opendata:table                    POST   entries    405    405    405    405    405    405    405    405

# The page for people (the OpenAPI document as HTML) is the API's root.
api:api-root                      GET    -          200    200    200    200    200    200    200    200
api:openapi-view                  GET    -          200    200    200    200    200    200    200    200
api:openapi-json                  GET    -          200    200    200    200    200    200    200    200
# django-ninja serves its (public, read-only) OpenAPI document whatever the method.
api:openapi-json                  POST   -          200    200    200    200    200    200    200    200
api:list_criteria                 GET    -          200    200    200    200    200    200    200    200
api:list_criteria                 POST   -          405    405    405    405    405    405    405    405
api:get_criterion                 GET    -          200    200    200    200    200    200    200    200
api:get_criterion                 GET    missing    404    404    404    404    404    404    404    404
api:list_countries                GET    -          200    200    200    200    200    200    200    200
api:get_country                   GET    -          200    200    200    200    200    200    200    200
api:get_country                   GET    missing    404    404    404    404    404    404    404    404
api:list_cities                   GET    -          200    200    200    200    200    200    200    200
api:get_city                      GET    -          200    200    200    200    200    200    200    200
api:get_city                      GET    missing    404    404    404    404    404    404    404    404
api:list_offices                  GET    -          200    200    200    200    200    200    200    200
api:get_office                    GET    -          200    200    200    200    200    200    200    200
api:get_office                    GET    missing    404    404    404    404    404    404    404    404
api:list_assessments              GET    -          200    200    200    200    200    200    200    200
api:list_assessments              POST   -          405    405    405    405    405    405    405    405
api:get_assessment                GET    draft      404    200    200    404    200    200    404    200
api:get_assessment                GET    submitted  404    200    200    404    200    200    404    200
api:get_assessment                GET    published  200    200    200    200    200    200    200    200
api:get_assessment                GET    missing    404    404    404    404    404    404    404    404
api:get_assessment                POST   draft      405    405    405    405    405    405    405    405

admin:index                       GET    -          admin  admin  admin  admin  admin  admin  admin  200
admin:login                       GET    -          login  403    403    403    403    403    403    302
admin:assessments_assessment_changelist GET    -          admin  admin  admin  admin  admin  admin  admin  200
admin:assessments_assessment_change GET    draft      admin  admin  admin  admin  admin  admin  admin  200
admin:assessments_assessment_change POST   draft      admin  admin  admin  admin  admin  admin  admin  200
admin:assessments_assessment_history GET    draft      admin  admin  admin  admin  admin  admin  admin  200
admin:assessments_entry_changelist GET    -          admin  admin  admin  admin  admin  admin  admin  200
admin:auth_user_changelist        GET    -          admin  admin  admin  admin  admin  admin  admin  200
admin:assessments_notification_changelist GET    -          admin  admin  admin  admin  admin  admin  admin  200
# The task queue's results, failed mail among them (assessments.tasks.retry_later).
admin:django_tasks_database_dbtaskresult_changelist GET -       admin  admin  admin  admin  admin  admin  admin  200
"""
# fmt: on

# Django's admin is Django's, tested there, and open to superusers only: the rows above
# take a representative handful (its index and login, and the pages that show drafts).
# Every other admin/ pattern is left out of the completeness check by this prefix.
EXCLUDED_PREFIX = "admin/"


def parse(table):
    rows = {}
    lines = [line.split() for line in table.strip().splitlines()]
    lines = [cells for cells in lines if cells and not cells[0].startswith("#")]
    header, body = lines[0], lines[1:]
    assert header[3:] == PERSONAS
    for name, method, state, *statuses in body:
        assert len(statuses) == len(PERSONAS), name
        key = (name, method, state)
        assert key not in rows, f"duplicate row {key}"
        rows[key] = dict(zip(PERSONAS, statuses, strict=True))
    return rows


ROWS = parse(MATRIX)


def walk(patterns, prefix="", namespace=""):
    """(name, route) of every URL pattern, nested includes and namespaces resolved."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(n for n in (namespace, p.namespace) if n)
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = ":".join(n for n in (namespace, p.name) if n) if p.name else f"route:{route}"
            yield name, route


# --- objects and requests ------------------------------------------------------------------


@pytest.fixture
def objects(office, staff, viewer, other_staff, reviewer, researcher, superuser, monkeypatch):
    lead = factories.make_user("team-lead", office=office, role=Membership.Role.LEAD)
    # A stand-in for WeasyPrint: who may download a scorecard does not depend on its pages.
    monkeypatch.setattr(
        "reports.scorecard_cache.render_scorecard",
        lambda **kw: b"%PDF-1.7\n% url matrix stand-in\n%%EOF\n",
    )
    levels = [2] * 9  # complete, so that a submit goes through
    S = Assessment.Status
    R = Registration.Status
    registration = {"name": "A", "email": "a@example.org", "job_title": "B", "city": office.city}
    to_verify = Registration.objects.create(office_name="To verify", **registration)
    asked = Registration.objects.create(
        office_name="Asked", status=R.NEEDS_INFO, decided_at=timezone.now(), **registration
    )
    waiting = Registration.objects.create(office_name="Waiting", status=R.PENDING, **registration)
    invitation, invitation_token = teams.invite(
        office=office, by=lead, email="invitee@example.org", role="viewer", language="en"
    )
    return {
        "office": office,
        "tokens": {
            "join:verify": reg.make_token(registration=to_verify, purpose=reg.VERIFY),
            "join:answer": reg.make_token(registration=asked, purpose=reg.ANSWER),
            "join:invitation": invitation_token,
        },
        "registration": waiting,
        "invitation": invitation,
        "viewer_membership": Membership.objects.get(user=viewer, office=office),
        "draft": factories.make_assessment(office, cycle=2025, status=S.DRAFT, levels=levels),
        "submitted": factories.make_assessment(
            office, cycle=2024, status=S.SUBMITTED, levels=levels
        ),
        "published": factories.make_assessment(
            office, cycle=2023, status=S.PUBLISHED, levels=levels
        ),
        "users": {
            "anon": None,
            "staff": staff,
            "lead": lead,
            "other": other_staff,
            "viewer": viewer,
            "reviewer": reviewer,
            "researcher": researcher,
            "admin": superuser,
        },
    }


ASSESSMENT_STATES = ("draft", "submitted", "published")
MISSING_ID = 999_999

# Query strings of the parameter states (a URL without objects, in another state).
QUERIES = {
    "report": "?view=report&city=cali",
    "latest": "?cities=cali,rosario&kind=latest",
    "bad-city": "?cities=cali&city=atlantis",
    # The dashboard when nothing matches (its empty state), and with a country outside the
    # region chosen (the country is refused next to its field, the region kept).
    "nothing": "?region=western-europe&cycle=1999",
    "impossible": "?region=north-america&country=chile",
}


def _pk(objects, state):
    return MISSING_ID if state == "missing" else objects[state].pk


MISSING_UUID = "00000000-0000-4000-8000-000000000000"


def _bundle_job(objects, state):
    """A ready bundle job: of the report's 2024 scorecards, or (`hidden`) of the draft."""
    if state == "hidden":
        assessments, cycle = [objects["draft"]], objects["draft"].cycle
    else:
        assessments, cycle = bundle.bundle_assessments(user=AnonymousUser(), cycle=2024), 2024
    job = bundle.start_job(
        assessments=assessments,
        cycle=cycle,
        region="",
        fictional=state == "hidden",
        language="en",
        paper="a4",
    )
    assert job.status == "ready"  # tasks run at once in the tests
    return job


def _round(objects, state):
    """The draft with an open (`round`) or closed (`closed`) perspectives round, made once,
    and a code of one of its respondents."""
    if "round_code" not in objects:
        draft = objects["draft"]
        staff = objects["users"]["staff"]
        round_ = rounds.open_round(
            assessment=draft,
            user=staff,
            closes_on=timezone.localdate() + datetime.timedelta(days=7),
            group_names=["Staff", "Partners"],
        )
        [objects["round_code"]] = rounds.issue_codes(
            round_=round_, user=staff, group_id=round_.groups.first().pk, count=1
        )
    round_ = objects["draft"].perspective_round
    round_.closed_at = timezone.now() if state == "closed" else None
    round_.save()
    return objects["round_code"]


def _plan_action(objects):
    """An action of the demo office, made once."""
    if "action" not in objects:
        objects["action"] = plans.create_action(
            office=objects["office"],
            data={
                "criterion_id": Criterion.objects.get(number=1).pk,
                "title": "An action for the URL matrix",
                "status": "planned",
            },
            user=objects["users"]["staff"],
        )
    return objects["action"]


def _kwargs(name, state, objects):
    """The URL arguments of `name` for an object in `state`."""
    office = objects["office"]
    if state in ("round", "closed"):
        code = _round(objects, state)
        if name == "respond:answer":
            return {"token": code}
        return {"pk": objects["draft"].pk}
    if name == "respond:answer":
        return {"token": "ABCDE-ABCDE"}
    city = office.city
    missing = state == "missing"
    if name in ("criteria:detail", "api:get_criterion"):
        return {"slug": "no-such-criterion" if missing else Criterion.objects.first().slug}
    if name == "cities:detail" or name == "api:get_city":
        return {"slug": "no-such-city" if missing else city.slug}
    if name == "api:get_country":
        return {"slug": "no-such-country" if missing else city.country.slug}
    if name == "api:get_office":
        return {"slug": "no-such-office" if missing else office.slug}
    if name == "api:get_assessment":
        return {"assessment_id": _pk(objects, state)}
    if name == "account_reset_password_from_key":
        return {"uidb36": "1", "key": "not-a-valid-token"}
    if name == "account_confirm_email":
        return {"key": "not-a-valid-key"}
    if name == "reports:dashboard-csv":
        return {"chart": "no-such-chart" if missing else state}
    if name.startswith("reports:bundle-"):
        return {"job": MISSING_UUID if missing else _bundle_job(objects, state).pk}
    if name == "opendata:table":
        return {"name": "no-such-table" if missing else state}
    if name == "reports:scorecard-bundle":
        # 2024: the report's published charts; 1999: a cycle nobody published.
        return {"cycle": 1999 if missing else 2024}
    if name in ("join:verify", "join:answer", "join:invitation"):
        return {"token": "forged:token" if state == "bad-token" else objects["tokens"][name]}
    if name == "assess:registration":
        return {"pk": MISSING_ID if missing else objects["registration"].pk}
    if name.startswith("assess:plan") or name == "assess:action-new":
        return {"office_id": MISSING_ID if missing else office.pk}
    if name == "assess:action":
        if missing:
            return {"office_id": office.pk, "action_id": MISSING_ID}
        return {"office_id": office.pk, "action_id": _plan_action(objects).pk}
    if name == "assess:action-notes":
        return {"pk": _pk(objects, state), "number": 1}
    if name.startswith("assess:team"):
        kwargs = {"office_id": MISSING_ID if missing else office.pk}
        if name in ("assess:team-role", "assess:team-remove"):
            kwargs["member_id"] = objects["viewer_membership"].pk
        if name == "assess:team-revoke":
            kwargs["invitation_id"] = objects["invitation"].pk
        return kwargs
    if name == "assess:criterion":
        return {"pk": _pk(objects, state), "number": 1}
    if name == "assess:evidence-file":
        # An evidence file of criterion 1 (tests/assessments/test_evidence_files.py tries
        # the file of another assessment, and a link, under this assessment's address).
        if missing:
            return {"pk": MISSING_ID, "item": MISSING_ID}
        entry = objects[state].entries.get(criterion__number=1)
        return {"pk": objects[state].pk, "item": factories.make_evidence_file(entry=entry).pk}
    if name.startswith("assess:comment-"):
        if missing:
            return {"pk": MISSING_ID, "comment_id": MISSING_ID}
        comment, _ = ReviewComment.objects.get_or_create(
            assessment=objects[state],
            criterion=Criterion.objects.get(number=1),
            defaults={"text": "A comment for the URL matrix"},
        )
        return {"pk": _pk(objects, state), "comment_id": comment.pk}
    if name == "assess:restore":
        # The first version of criterion 1 (its creation), restored as a new version.
        if missing:
            return {"pk": MISSING_ID, "revision": 1}
        entry = objects[state].entries.get(criterion__number=1)
        if not entry.history.exists():  # the factory writes no history
            entry.save()
        return {"pk": _pk(objects, state), "revision": entry.history.first().history_id}
    if (
        name.startswith(
            (
                "assess:",
                "reports:scorecard",
                "reports:perspectives",
                "reports:assessment-",
                "embed-scorecard",
            )
        )
        and state != "-"
    ):
        return {"pk": _pk(objects, state)}
    if name.startswith("admin:assessments_assessment_") and state != "-":
        return {"object_id": objects[state].pk}
    return {}


def _body(name, state, objects):
    """A POST body that would change something if the persona were allowed to."""
    if name == "assess:criterion" and state in ASSESSMENT_STATES:
        entry = objects[state].entries.get(criterion__number=1)
        return {
            "base_version": str(entry.version),
            "applicability": "assessed",
            "level": "3",
            "strengths": "Changed by the URL matrix",
            "opportunities": "Changed by the URL matrix",
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        }
    if name == "assess:start":
        return {"office": str(objects["office"].pk), "cycle": "2026"}
    if name in ("assess:action-new", "assess:action"):
        version = _plan_action(objects).version if name == "assess:action" else 1
        return {
            "base_version": str(version),
            "criterion": "1",
            "title": "Changed by the URL matrix",
            "status": "in-progress",
        }
    if name == "assess:action-notes":
        return {"note-1": "From the URL matrix"}
    if name == "assess:perspectives":
        return {"closes_on": "2099-01-01", "group_1": "From the URL matrix"}
    if name in ("assess:perspectives-invite", "assess:perspectives-codes"):
        group = objects["draft"].perspective_round.groups.first() if state != "draft" else None
        group = str(group.pk) if group else "1"
        return {
            **{f"{prefix}-group": group for prefix in ("invite", "codes")},
            "invite-emails": "a@example.org",
            "codes-count": "2",
        }
    if name == "assess:perspectives-agree":
        return {"level_1": "2", "rationale_1": "Agreed in the URL matrix"}
    if name == "respond:code":
        return {"code": "not-a-code"}
    if name == "respond:answer":
        return {"level_1": "2", "comment_1": "From the URL matrix"}
    if name in ("assess:comment-reply", "assess:comment-resolve", "assess:comment-reopen"):
        return {"text": "A reply from the URL matrix"}
    if name == "assess:correct":
        return {"text": "A correction note from the URL matrix"}
    if name == "assess:review-comment":
        return {"text": "A note from the URL matrix"}
    if name == "assess:review-publish":
        return {"text": "A decision from the URL matrix", "confirm": "on"}
    if name == "assess:review-return":
        return {"text": "A decision from the URL matrix"}
    if name == "account_login":
        return {"login": "nobody", "password": "wrong password"}
    if name == "set_language":
        return {"language": "es", "next": "/"}
    if name == "account_reset_password":
        return {"email": ""}
    if name == "join:register":
        cali = City.objects.get(slug="cali")
        return {
            "name": "Matrix",
            "email": "matrix@example.org",
            "job_title": "Tester",
            "office_name": "Matrix office",
            "institutional_home": "mayor",
            "city": str(cali.pk),
        }
    if name == "join:answer":
        return {"answer": "An answer from the URL matrix"}
    if name == "assess:registration":
        return {"decision": "approve"}
    if name == "assess:team":
        return {"email": "someone@example.org", "role": "viewer"}
    if name == "assess:team-role":
        return {"role": "editor"}
    return {}


def _outcome(response):
    """The table's word for a response."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "login"
        if location.startswith("/admin/login/"):
            return "admin"
    return str(response.status_code)


def request_as(user, method, url, body):
    client = Client()
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, body)
        transaction.set_rollback(True)
    return response


# --- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method", "state"), list(ROWS))
def test_url_matrix(objects, name, method, state):
    url = reverse(name, kwargs=_kwargs(name, state, objects)) + QUERIES.get(state, "")
    body = _body(name, state, objects)
    actual = {
        persona: _outcome(request_as(user, method, url, body))
        for persona, user in objects["users"].items()
    }
    expected = ROWS[(name, method, state)]
    assert actual == expected, (
        f"{method} {url}\n  expected: {_line(expected)}\n  actual:   {_line(actual)}"
    )


def _line(row):
    return " ".join(f"{persona}={row[persona]}" for persona in PERSONAS)


def uncovered(patterns):
    """(URL patterns without a row, rows without a URL pattern), as sorted lists."""
    found = dict(walk(patterns))
    required = {name for name, route in found.items() if not route.startswith(EXCLUDED_PREFIX)}
    covered = {name for name, _method, _state in ROWS}
    return sorted(required - covered), sorted(covered - set(found))


def test_every_url_pattern_has_a_row():
    without_row, without_url = uncovered(get_resolver().url_patterns)
    assert without_row == [], "URL patterns without a row in MATRIX"
    assert without_url == [], "rows in MATRIX for URLs that do not exist"


def test_a_new_url_without_a_row_is_noticed():
    patterns = [
        *get_resolver().url_patterns,
        path("reports/new-export.csv", lambda request: None, name="new-export"),
        path("api/", include(([path("secret", lambda request: None)], "x"), namespace="x")),
    ]
    assert uncovered(patterns) == (["new-export", "route:api/secret"], [])


def test_matrix_rows_are_not_empty_and_cover_every_persona():
    assert len(ROWS) > 100
    assert all(list(row) == PERSONAS for row in ROWS.values())
