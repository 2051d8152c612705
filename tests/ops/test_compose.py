"""compose.yaml runs what ops/cluster.py checks: two web nodes, the worker, PostgreSQL,
Redis and one release step, sharing the cache and the files."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def services():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_the_services_are_the_ones_ci_checks():
    assert sorted(services()) == ["db", "migrate", "redis", "web-a", "web-b", "worker"]


def test_every_app_container_shares_the_cache_the_database_and_the_files():
    found = services()
    for name in ("web-a", "web-b", "worker", "migrate"):
        env = found[name]["environment"]
        assert env["CACHE_URL"] == "redis://redis:6379/0"
        assert env["DATABASE_URL"].endswith("@db:5432/ovp_assess")
        assert found[name]["volumes"] == ["files:/app/var/shared"]
        assert env["MEDIA_DIR"].startswith("/app/var/shared/")


def test_the_nodes_start_after_the_release_step():
    found = services()
    for name in ("web-a", "web-b", "worker"):
        migrate = found[name]["depends_on"]["migrate"]
        assert migrate == {"condition": "service_completed_successfully"}
    assert found["migrate"]["command"][-1] == (
        "python manage.py migrate --noinput && python manage.py load_report"
    )
    assert found["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
