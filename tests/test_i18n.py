"""Every interface string is marked for translation and the catalogues are up to date."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command

TEMPLATES = settings.BASE_DIR / "templates"
LANGS = ["es", "pt_BR", "fr"]

# Markup that carries no translatable text of its own.
_STRIP = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"<script\b.*?</script>", re.S),
    re.compile(r"<style\b.*?</style>", re.S),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
    re.compile(r"<!--.*?-->", re.S),
]
_TAG = re.compile(r"<[^>]*>", re.S)
# Attributes people read or hear: their values must be translated too.
_READABLE_ATTR = re.compile(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"')
_WORD = re.compile(r"[^\W\d_]{2,}")
# Names and symbols that read the same in every language.
ALLOWED = {"OVP", "Assess", "API", "CSV", "PDF", "OpenAPI", "JSON", "PNG", "ZIP", "URL", "ID"}


def untranslated_text(source):
    """Words in a template that reach the reader without passing through gettext."""
    text = source
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    found = [m.group(1) for m in _READABLE_ATTR.finditer(text)]
    found += _TAG.sub(" ", text).split("\n")
    words = []
    for chunk in found:
        words += [w for w in _WORD.findall(chunk) if w not in ALLOWED]
    return words


def test_untranslated_text_finds_plain_words():
    assert untranslated_text('<p>Hello {% translate "World" %}</p>') == ["Hello"]
    assert untranslated_text('<a aria-label="Close">{{ x }}</a>') == ["Close"]
    assert untranslated_text("{% blocktranslate %}Fine{% endblocktranslate %}<b>{{ a }}</b>") == []


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")),
)
def test_template_strings_are_marked_for_translation(path):
    assert untranslated_text((TEMPLATES / path).read_text(encoding="utf-8")) == []


def _msgids(po_path):
    """The msgids of a .po file (with context), ignoring the header."""
    ids, ctx, current, state = set(), None, [], None
    for line in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("msgctxt "):
            ctx = line[8:]
        elif line.startswith("msgid "):
            current, state = [line[6:]], "id"
        elif line.startswith('"') and state == "id":
            current.append(line)
        else:
            if state == "id" and current != ['""']:
                ids.add((ctx, "".join(current)))
            if line.startswith("msgstr"):
                ctx = None
            state = None if not line.startswith("msgid_plural") else state
    return ids


def test_catalogues_are_up_to_date(tmp_path, settings, monkeypatch):
    # makemessages writes into the locale folder above each source file, so it runs on a
    # copy of the sources: the committed catalogues are never touched by the test.
    root = settings.BASE_DIR
    tree = tmp_path / "tree"
    skip = (".venv", "var", ".git", "node_modules", "tools", "tests", "bench", "ops", "static")
    shutil.copytree(root, tree, ignore=shutil.ignore_patterns(*skip, "*.mo", "__pycache__"))
    monkeypatch.chdir(tree)
    settings.LOCALE_PATHS = [tree / "locale"]
    call_command(
        "makemessages",
        locale=LANGS,
        domain="django",
        ignore_patterns=[".venv/*", "var/*", "tools/*", "tests/*", "bench/*", "ops/*"],
        no_obsolete=True,
        verbosity=0,
    )
    for lang in LANGS:
        committed = _msgids(root / "locale" / lang / "LC_MESSAGES" / "django.po")
        fresh = _msgids(tree / "locale" / lang / "LC_MESSAGES" / "django.po")
        assert sorted(fresh - committed) == [], f"run make messages: new strings for {lang}"
        assert sorted(committed - fresh) == [], f"run make messages: stale strings for {lang}"


@pytest.mark.parametrize("lang", LANGS)
def test_catalogues_are_complete_and_compiled(lang):
    po = settings.BASE_DIR / "locale" / lang / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "-", str(po)],
        capture_output=True,
        check=True,
    )
    stats = result.stderr.decode()
    assert "untranslated" not in stats and "fuzzy" not in stats, stats
    assert po.with_suffix(".mo").read_bytes() == result.stdout, "run make messages to recompile"


# gettext called inside an f-string's braces: xgettext does not see it, so makemessages
# drops the string's entry and its translations (the team page's "you" was lost so once).
_GETTEXT_IN_FSTRING = re.compile(r"""\bf(['"]).*\{\s*(?:_|gettext|pgettext|ngettext)\(""")


def test_no_gettext_inside_fstrings():
    found = []
    for app in ("ovp_assess", "reports", "assessments", "criteria", "cities"):
        for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if _GETTEXT_IN_FSTRING.search(line):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
    assert found == []


def test_the_regex_sees_gettext_inside_fstrings():
    assert _GETTEXT_IN_FSTRING.search("""x = f'<b>{_("you")}</b>'""") is not None
    assert _GETTEXT_IN_FSTRING.search("""you = _("you")""") is None
