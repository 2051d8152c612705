"""An office registers, verifies its address, and a reviewer decides.

No account is made before approval, so a request that is declined or never verified
leaves nothing behind. The requester's links (verify the address, answer a question) are
signed and expire (django.core.signing.TimestampSigner: nothing to store, and a changed
SECRET_KEY voids them all); the link to set a password after approval is Django's own
password-reset link, which stops working once the password is set.
"""

import itertools

from allauth.account.forms import default_token_generator as reset_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from cities.models import City, Country, Office, Origin, Region

from . import mail
from .models import Membership, Registration, TeamEvent

VERIFY = "join-verify"
ANSWER = "join-answer"


class TokenError(Exception):
    """A link that cannot be used: `kind` is "forged", "expired" or "used"."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


class DecisionError(Exception):
    pass


def _signer(salt):
    return signing.TimestampSigner(salt=salt)


def _answer_value(registration):
    # Bound to the question: asking again makes the earlier answer links stale.
    return f"{registration.pk}.{int(registration.decided_at.timestamp() * 1_000_000)}"


def make_token(*, registration, purpose):
    value = str(registration.pk) if purpose == VERIFY else _answer_value(registration)
    return _signer(purpose).sign(value)


def read_token(*, token, purpose):
    """The registration a link names, or TokenError."""
    max_age = settings.JOIN_VERIFY_MAX_AGE if purpose == VERIFY else settings.JOIN_ANSWER_MAX_AGE
    try:
        value = _signer(purpose).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenError("expired") from None
    except signing.BadSignature:
        raise TokenError("forged") from None
    registration = Registration.objects.filter(pk=value.split(".")[0]).first()
    if registration is None:
        raise TokenError("forged")
    if purpose == VERIFY and registration.status != Registration.Status.UNVERIFIED:
        raise TokenError("used")
    if purpose == ANSWER and (
        registration.status != Registration.Status.NEEDS_INFO
        or value != _answer_value(registration)
    ):
        raise TokenError("used")
    return registration


def _link(name, token):
    return mail.absolute(reverse(name, args=[token]))


def submit(*, data, language):
    """Keep the request and send the link that verifies its address.

    The same for every address, known or not: the mail is the same too.
    """
    registration = Registration.objects.create(language=language, **data)
    mail.send(
        template="join_verify",
        to=registration.email,
        language=language,
        context={
            "registration": registration,
            "link": _link("join:verify", make_token(registration=registration, purpose=VERIFY)),
            "days": settings.JOIN_VERIFY_MAX_AGE // 86400,
        },
    )
    return registration


def verify(*, registration):
    registration.status = Registration.Status.PENDING
    registration.verified_at = timezone.now()
    registration.save(update_fields=["status", "verified_at"])


def pending():
    """The reviewers' queue: verified requests that wait for a decision or an answer."""
    return Registration.objects.filter(
        status__in=[Registration.Status.PENDING, Registration.Status.NEEDS_INFO]
    ).select_related("city__country", "country")


def _unique_slug(model, base, *, fallback, max_length=50):
    # ASCII slugs (URLs stay typeable); a name in another script falls back to a word.
    base = (slugify(base) or fallback)[: max_length - 4]
    for n in itertools.count(1):
        slug = base if n == 1 else f"{base}-{n}"
        if not model.objects.filter(slug=slug).exists():
            return slug


def _unique_username(email):
    User = get_user_model()
    base = slugify(email.split("@")[0])[:140] or "user"
    for n in itertools.count(1):
        name = base if n == 1 else f"{base}{n}"
        if not User.objects.filter(username__iexact=name).exists():
            return name


def _must_be_open(registration):
    if registration.status not in (
        Registration.Status.PENDING,
        Registration.Status.NEEDS_INFO,
    ):
        raise DecisionError(registration.get_status_display())


@transaction.atomic
def approve(*, registration, reviewer):
    """Create the city if needed, the office, the requester's account and their lead
    membership; send the requester a link to set their password."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _must_be_open(registration)
    # The demo registration of seed_demo makes a demo office, labelled fictional.
    origin = Origin.DEMO if registration.is_demo else Origin.REGISTERED
    city = registration.city
    if city is None:
        country = registration.country
        if country is None:
            # A country named again is the same country; never a demo or synthetic one.
            country = Country.objects.filter(
                name__iexact=registration.new_country,
                origin__in=[Origin.REPORT, Origin.REGISTERED],
            ).first()
        if country is None:
            country = Country.objects.create(
                name=registration.new_country,
                slug=_unique_slug(Country, registration.new_country, fallback="country"),
                region=Region.OTHER,
                origin=origin,
            )
        city = City.objects.create(
            country=country,
            name=registration.new_city,
            slug=_unique_slug(City, registration.new_city, fallback="city"),
            origin=origin,
        )
    office = Office.objects.create(
        city=city,
        name=registration.office_name,
        slug=_unique_slug(
            Office, f"{city.slug}-{registration.office_name}", fallback="office", max_length=120
        ),
        acronym=registration.acronym,
        website=registration.website,
        year_founded=registration.year_founded,
        institutional_home=registration.institutional_home,
        origin=origin,
    )
    User = get_user_model()
    user = User.objects.filter(email__iexact=registration.email).order_by("pk").first()
    if user is None:
        first, _sep, last = registration.name.partition(" ")
        user = User(
            username=_unique_username(registration.email),
            email=registration.email,
            first_name=first[:150],
            last_name=last[:150],
        )
        user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(
        user=user, office=office, defaults={"role": Membership.Role.LEAD}
    )
    TeamEvent.objects.create(
        office=office,
        actor=reviewer,
        action=TeamEvent.Action.APPROVED,
        subject=registration.email,
        new_role=Membership.Role.LEAD,
    )
    registration.status = Registration.Status.APPROVED
    registration.decided_at = timezone.now()
    registration.decided_by = reviewer
    registration.office = office
    registration.save()
    # The same mail for a new and an existing account: a password-reset link works for both
    # (allauth's, with its own token generator, as its reset page checks).
    link = mail.absolute(
        reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": reset_token_generator.make_token(user),
            },
        )
    )
    mail.send(
        template="join_approved",
        to=registration.email,
        language=registration.language,
        context={"registration": registration, "office": office, "user": user, "link": link},
    )
    return office


@transaction.atomic
def ask(*, registration, reviewer, message):
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _must_be_open(registration)
    registration.status = Registration.Status.NEEDS_INFO
    registration.reviewer_message = message
    registration.decided_at = timezone.now()
    registration.decided_by = reviewer
    registration.save()
    mail.send(
        template="join_question",
        to=registration.email,
        language=registration.language,
        context={
            "registration": registration,
            "link": _link("join:answer", make_token(registration=registration, purpose=ANSWER)),
        },
    )
    return registration


@transaction.atomic
def answer(*, registration, text):
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Registration.Status.NEEDS_INFO:
        raise TokenError("used")
    registration.status = Registration.Status.PENDING
    registration.answer = text
    registration.save(update_fields=["status", "answer"])
    return registration


@transaction.atomic
def decline(*, registration, reviewer, reason):
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    _must_be_open(registration)
    registration.status = Registration.Status.DECLINED
    registration.reviewer_message = reason
    registration.decided_at = timezone.now()
    registration.decided_by = reviewer
    registration.save()
    mail.send(
        template="join_declined",
        to=registration.email,
        language=registration.language,
        context={"registration": registration},
    )
    return registration
