"""The production image: dependencies from the lock file, no tests in it, no migrate per replica."""

import re
import tomllib

from django.conf import settings

ROOT = settings.BASE_DIR


def _name(requirement):
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_lock_pins_every_runtime_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {m.lower() for m in re.findall(r"^([A-Za-z0-9_.-]+)==", lock, re.M)}
    assert {_name(r) for r in project["dependencies"]} - pinned == set()
    assert "--hash=sha256:" in lock


def test_dockerfile_installs_from_the_lock_and_does_not_migrate_on_start():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert cmd == 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "ovp_assess.wsgi"]'


def test_image_ships_no_tests_bench_or_ops():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"tests", "bench", "ops", ".venv", "var"} <= ignored
