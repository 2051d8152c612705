"""Property-based tests (Hypothesis) of the forms that take what people type or send.

Whatever the text: a form either validates, and the value goes through cleaning, saving and
reading back unchanged (apart from the documented line-end and surrounding-space
normalisation), or it gives field errors. It never raises. The errors are predicted here
from the documented rules (length, NUL, spaces only, lines per field, longest word), written
out independently of the form's code. Evidence links validate only when they are http(s)
links to public hosts.

Examples run inside the test's database transaction; the database fixture is shared by
the examples of one test (hence the suppressed health check), so each example reads the
entry afresh.
"""

import ipaddress
import re
from urllib.parse import urlsplit

import ada_url
import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import domains

from assessments import workflow
from assessments.forms import LOCAL_SUFFIXES, EntryForm, EvidenceForm
from assessments.models import Entry
from cities.forms import SORT_CHOICES, CityFilterForm
from cities.models import InstitutionalHome, Region
from criteria.models import Criterion
from reports.charts import MAX_RADAR
from reports.forms import KIND_CHOICES, MATRIX_KIND_CHOICES, DashboardForm, MatrixForm
from reports.forms import SORT_CHOICES as DASHBOARD_SORTS
from reports.matrix import MAX_CITIES

PROPERTIES = settings(
    max_examples=50,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

NUL = "Null characters are not allowed."
SPACES = "This field holds only spaces. Write some text or leave it empty."
LIMIT = django_settings.MAX_TEXT_LENGTH
MAX_LINES = django_settings.MAX_TEXT_LINES
MAX_WORD = django_settings.MAX_WORD_LENGTH
MAX_TITLE_WORD = django_settings.MAX_TITLE_WORD_LENGTH
MAX_EMOJI = django_settings.MAX_TEXT_EMOJI
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
LINES = (
    "This text has {lines} lines; at most {limit} are allowed. Join short lines into paragraphs."
)
TITLE_LINES = "A title is one line: remove the line breaks."
WORD = (
    "“{start}…” has {length} characters without a space; a word or link may have at most "
    "{limit}. Add spaces, or shorten it."
)
SLUG = re.compile(r"^[-a-z0-9_]+$")

# Mostly short text; sometimes around the length limit (with few line breaks, or many),
# around the line limit, or with a word around the word limit.
TEXT = (
    st.text()
    | st.text(min_size=LIMIT - 5, max_size=LIMIT + 5, alphabet="ab \n")
    | st.text(min_size=LIMIT - 5, max_size=LIMIT + 5, alphabet=st.sampled_from("aaaab  ."))
    | st.lists(
        st.text(alphabet="ab \r", max_size=8), min_size=MAX_LINES - 3, max_size=MAX_LINES + 3
    ).map("\n".join)
    | st.tuples(
        st.text(max_size=20),
        st.text(alphabet="x/:.?=é", min_size=MAX_WORD - 3, max_size=MAX_WORD + 3),
        st.text(max_size=20),
    ).map(" ".join)
    | st.text(alphabet="a 🎉👩🏽\u2764\u200d", min_size=30, max_size=120)
)


def normalised(text):
    """What a free-text field keeps: uniform line ends, no surrounding white space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_errors(text):
    """The messages a free-text field gives `text`, or [] when it keeps it."""
    kept = normalised(text)
    if "\x00" in text:
        return [NUL]
    if text and not kept:
        return [SPACES]
    if len(kept) > LIMIT:
        return [f"Ensure this value has at most {LIMIT} characters (it has {len(kept)})."]
    return layout_errors(kept, max_lines=MAX_LINES, max_word=MAX_WORD)


def layout_errors(kept, *, max_lines, max_word):
    errors = []
    lines = len(kept.replace("\r\n", "\n").replace("\r", "\n").split("\n")) if kept else 0
    if lines > max_lines:
        errors.append(TITLE_LINES if max_lines == 1 else LINES.format(lines=lines, limit=max_lines))
    long_words = [w for w in re.split(r"\s+", kept) if len(w) > max_word]
    if long_words:
        word = long_words[0]
        errors.append(WORD.format(start=word[:30], length=len(word), limit=max_word))
    emoji = len(EMOJI.findall(kept))
    if emoji > MAX_EMOJI:
        errors.append(f"This text has {emoji} emoji; at most {MAX_EMOJI} are allowed.")
    return errors


@pytest.fixture
def entry(office, staff):
    assessment = workflow.start_assessment(office=office, cycle=2025, user=staff)
    return assessment.entries.select_related("criterion", "assessment").get(criterion__number=1)


def _entry_data(entry, **fields):
    data = {
        "base_version": str(entry.version),
        "applicability": "assessed",
        "level": "2",
        "justification": "",
        "strengths": "",
        "opportunities": "",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("field", ["strengths", "opportunities", "justification"])
@PROPERTIES
@given(text=TEXT)
def test_entry_form_any_text_round_trips_or_gets_a_field_error(entry, staff, field, text):
    entry.refresh_from_db()
    criterion = Criterion.objects.prefetch_related("levels").get(number=1)
    form = EntryForm(_entry_data(entry, **{field: text}), criterion=criterion)

    errors = text_errors(text)
    if errors:
        assert form.errors == {field: errors}
        return
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == normalised(text)

    data = {**form.cleaned_data, "evidence": []}
    result = workflow.save_entry(entry=entry, data=data, base_version=entry.version, user=staff)
    assert result.saved
    stored = getattr(Entry.objects.get(pk=entry.pk), field)
    assert stored == normalised(text)
    # What is shown in the form again validates to itself: saving twice changes nothing.
    again = EntryForm(_entry_data(entry, **{field: stored}), criterion=criterion)
    assert again.is_valid() and again.cleaned_data[field] == stored


@PROPERTIES
@given(level=st.text(), applicability=st.text(), base_version=st.text())
def test_entry_form_choices_and_version_validate_or_give_field_errors(
    entry, level, applicability, base_version
):
    criterion = Criterion.objects.prefetch_related("levels").get(number=1)
    data = _entry_data(entry, level=level, applicability=applicability, base_version=base_version)
    form = EntryForm(data, criterion=criterion)
    if form.is_valid():
        assert form.cleaned_data["level"] in (None, 0, 1, 2, 3, 4)
        assert form.cleaned_data["applicability"] in ("assessed", "not-applicable")
        assert form.cleaned_data["base_version"] >= 1
    else:
        assert set(form.errors) <= {"level", "applicability", "base_version", "justification"}
        assert all(form.errors.values())


# --- evidence links -----------------------------------------------------------------------------


# IPv6 prefixes whose last 32 bits are an IPv4 address: IPv4-compatible and NAT64.
EMBEDDING_V4 = [ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96")]
PRIVATE = "Links to this computer or to a private network are not allowed."


def public_ip(ip):
    if not ip.is_global or ip.is_multicast:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        return public_ip(ip.ipv4_mapped)
    if ip.version == 6 and any(ip in net for net in EMBEDDING_V4):
        return public_ip(ipaddress.IPv4Address(ip.packed[-4:]))
    return True


def public_host(host):
    """Is `host` (a name or a literal address) somewhere on the public internet?"""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        name = host.rstrip(".").lower()
        return name != "localhost" and not name.endswith(LOCAL_SUFFIXES)
    return public_ip(ip)


@PROPERTIES
@given(url=st.text(), title=st.text(max_size=250))
def test_evidence_form_any_text_is_a_public_web_link_or_a_field_error(db, url, title):
    form = EvidenceForm({"url": url, "title": title, "checked_on": ""})
    if not form.is_valid():
        assert set(form.errors) <= {"url", "title"}
        return
    link = form.link
    if link is None:  # an empty row
        assert not url.strip() and not title.strip()
        return
    parts = urlsplit(link["url"])
    assert parts.scheme in ("http", "https")
    assert public_host(parts.hostname)
    # ... and the host a browser opens (WHATWG parsing) is public too, and the same one.
    opened = ada_url.URL(link["url"])
    assert public_host(opened.hostname)
    assert opened.hostname == ada_url.URL(f"http://{parts.hostname}/").hostname
    assert "\\" not in link["url"] and not opened.username and not opened.password
    assert link["title"] == title.strip()


TITLE_LIMIT = 200
TITLES = st.text(max_size=250) | st.tuples(
    st.text(max_size=20),
    st.text(alphabet="ab", min_size=MAX_TITLE_WORD - 2, max_size=MAX_TITLE_WORD + 2),
).map(" ".join)


def title_errors(title):
    """The messages the evidence title field gives `title`, or [] when it keeps it."""
    kept = title.strip()
    errors = []
    if len(kept) > TITLE_LIMIT:
        errors.append(f"Ensure this value has at most {TITLE_LIMIT} characters (it has {len(kept)}).")  # fmt: skip
    if "\x00" in kept:
        errors.append(NUL)
    if errors:
        return errors
    if not kept:
        return ["Give the link a title."]
    return layout_errors(kept, max_lines=1, max_word=MAX_TITLE_WORD)


@PROPERTIES
@given(title=TITLES)
def test_evidence_title_is_kept_or_gets_a_field_error(db, title):
    form = EvidenceForm({"url": "https://example.org/", "title": title, "checked_on": ""})
    errors = title_errors(title)
    if errors:
        assert form.errors == {"title": errors}
        return
    assert form.is_valid(), form.errors
    assert form.link["title"] == title.strip()


SCHEMES = st.sampled_from(["http", "https", "HTTPS", "javascript", "file", "data", "ftp", "gopher"])
HOSTS = st.one_of(
    domains(max_length=100),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
    st.sampled_from(["localhost", "intranet.local", "db.internal", "printer.home.arpa"]),
)


@PROPERTIES
@given(scheme=SCHEMES, host=HOSTS, path=st.sampled_from(["", "/", "/report.pdf", "/a?b=c#d"]))
def test_evidence_link_validates_exactly_when_web_and_public(db, scheme, host, path):
    url = f"{scheme}://{host}{path}"
    form = EvidenceForm({"url": url, "title": "Evidence", "checked_on": ""})
    expected = scheme.lower() in ("http", "https") and public_host(host.lower())
    assert form.is_valid() == expected, (url, form.errors)


def _ipv4_forms(ip):
    """`ip` written as a browser still reads it: one number (decimal, hex, octal), dotted
    parts in hex or octal, or the short forms a.b.c and a.b."""
    n, (a, b, c, d) = int(ip), ip.packed
    return [
        str(n),
        hex(n),
        "0" + oct(n)[2:],
        f"0x{a:x}.0x{b:x}.0x{c:x}.0x{d:x}",
        f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",
        f"{a}.{b}.{(c << 8) | d}",
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"[::ffff:{ip}]",
        f"[::{ip}]",
        f"[64:ff9b::{ip}]",
    ]


NON_PUBLIC_V4 = st.sampled_from(
    ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
     "0.0.0.0/8", "100.64.0.0/10", "224.0.0.0/4"]
).flatmap(lambda net: st.ip_addresses(network=net))  # fmt: skip


@PROPERTIES
@given(ip=NON_PUBLIC_V4 | st.ip_addresses(v=4), form=st.integers(0, 9))
def test_evidence_link_to_a_private_ipv4_is_refused_however_written(db, ip, form):
    host = _ipv4_forms(ip)[form]
    url = f"http://{host}/report"
    errors = EvidenceForm({"url": url, "title": "Evidence", "checked_on": ""}).errors
    # The notation is one a browser reads as `ip` (or as an IPv6 address embedding it).
    opened = ipaddress.ip_address(ada_url.URL(url).hostname.strip("[]"))
    assert (opened if opened.version == 4 else ipaddress.IPv4Address(opened.packed[-4:])) == ip
    if not public_ip(ip):
        assert errors == {"url": [PRIVATE]}, (url, errors)


@PROPERTIES
@given(
    user=st.text(min_size=1, max_size=20).filter(lambda u: not set(u) & set("/?#\\")),
    host=domains(max_length=60),
    at=st.sampled_from(["@", ":@", ":pw@"]),
)
def test_evidence_link_with_user_info_is_refused(db, user, host, at):
    url = f"https://{user}{at}{host}/"
    form = EvidenceForm({"url": url, "title": "Evidence", "checked_on": ""})
    assert not form.is_valid() and set(form.errors) == {"url"}


@PROPERTIES
@given(host=domains(max_length=60), path=st.text(max_size=20), where=st.integers(0, 100))
def test_evidence_link_with_a_backslash_is_refused(db, host, path, where):
    url = f"https://{host}/{path}"
    where = len("https://") + where % (len(url) - len("https://") + 1)
    url = url[:where] + "\\" + url[where:]
    form = EvidenceForm({"url": url, "title": "Evidence", "checked_on": ""})
    assert not form.is_valid() and set(form.errors) == {"url"}


# --- GET filter forms ---------------------------------------------------------------------------


def query(fields):
    """Query strings built from the form's parameter names and any others, any values."""
    keys = st.sampled_from(fields) | st.text(max_size=10)
    return st.dictionaries(keys, st.lists(st.text(max_size=40), max_size=3), max_size=8).map(
        _querydict
    )


def _querydict(values):
    data = QueryDict(mutable=True)
    for key, items in values.items():
        data.setlist(key, items)
    return data


CITY_FIELDS = ["country", "region", "institutional_home", "sample", "include_fictional", "sort"]


@PROPERTIES
@given(data=query(CITY_FIELDS))
def test_city_filter_form_never_raises_and_keeps_only_valid_filters(report, data):
    filters = CityFilterForm(data).filters()
    assert filters["sort"] in dict(SORT_CHOICES)
    assert filters["region"] in (None, *Region.values)
    assert filters["institutional_home"] in (None, *InstitutionalHome.values)
    assert filters["in_sample"] in (None, True, False)
    assert filters["country"] is None or filters["country"].slug in data.getlist("country")


MATRIX_FIELDS = ["cities", "cycle", "kind", "include_demo", "view", "city"]


@PROPERTIES
@given(data=query(MATRIX_FIELDS))
def test_matrix_form_never_raises_and_falls_back_to_defaults(data):
    form = MatrixForm(data, cycles=[2024, 2025])
    values, problems = form.values(), form.problems()
    assert all(SLUG.match(slug) for slug in values["cities"])
    assert 1 <= len(values["cities"]) <= MAX_CITIES
    assert values["cycle"] in (None, 2024, 2025)
    assert values["kind"] in (None, *dict(MATRIX_KIND_CHOICES))
    assert values["view"] in ("", "report")
    assert values["city"] == "" or re.match(r"^[-a-zA-Z0-9_]+\Z", values["city"])
    assert all(isinstance(p, str) for p in problems)


DASHBOARD_FIELDS = [
    "region", "country", "home", "cycle", "kind", "include_demo", "include_synthetic", "sort",
    "offices", "office", "page",
]  # fmt: skip


@PROPERTIES
@given(data=query(DASHBOARD_FIELDS))
def test_dashboard_form_never_raises_and_falls_back_to_defaults(data):
    form = DashboardForm(data, countries=[("chile", "Chile", "latin-america")], cycles=[2024])
    values, problems = form.values(), form.problems()
    # An empty or refused filter is None or "": the view reads both as "all".
    assert values["region"] in (None, "", *Region.values)
    assert values["country"] in (None, "", "chile")
    # Never an impossible pair: a country outside the region is refused.
    if values["country"] == "chile":
        assert values["region"] in (None, "", "latin-america")
    assert values["home"] in (None, "", *InstitutionalHome.values)
    assert values["kind"] in (None, *dict(KIND_CHOICES))
    assert values["cycle"] in (None, 2024)
    assert values["sort"] in dict(DASHBOARD_SORTS)
    assert all(SLUG.match(slug) for slug in values["offices"])
    assert len(values["offices"]) <= MAX_RADAR
    assert values["office"] == "" or re.match(r"^[-a-zA-Z0-9_]+\Z", values["office"])
    assert isinstance(values["page"], int) and values["page"] >= 1
    assert all(isinstance(p, str) for p in problems)


def test_property_helpers_agree_with_known_cases():
    assert public_host("example.org") and public_host("8.8.8.8") and public_host("[2606:4700::1]")
    assert not any(public_host(h) for h in ["localhost", "10.0.0.1", "[::1]", "x.local"])
    assert text_errors("  ") == [SPACES] and text_errors("a\x00") == [NUL]
    assert text_errors(" a ") == []
    assert text_errors("a\n" * MAX_LINES) == []  # the last line end is stripped
    assert text_errors("a\n" * MAX_LINES + "b") == [
        LINES.format(lines=MAX_LINES + 1, limit=MAX_LINES)
    ]
    assert text_errors("🎉" * MAX_EMOJI) == []
    assert text_errors("👩🏽 " * MAX_EMOJI) == [
        f"This text has {2 * MAX_EMOJI} emoji; at most {MAX_EMOJI} are allowed."
    ]
    url = "https://example.org/" + "p" * (MAX_WORD - 20)
    assert text_errors(f"See {url}.") == [WORD.format(start=url[:30], length=MAX_WORD + 1, limit=200)]  # fmt: skip
    assert text_errors(f"See {url}") == []
    assert layout_errors("a\rb", max_lines=1, max_word=MAX_TITLE_WORD) == [TITLE_LINES]
