"""Deployment files: gunicorn.conf.py (served for real), Dockerfile (hadolint), compose.yaml.

No container engine runs here: the Dockerfile is linted and compose.yaml is read as data.
"""

import json
import multiprocessing
import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The test run's store settings must not leak into the processes started here.
_INHERITED = {"SECRET_KEY", "DEBUG", "DATABASE_URL", "MONGODB_WRITE_CONCERN", "DJANGO_SETTINGS_MODULE"}


def _load_gunicorn_conf(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "LOG_LEVEL", "SYSLOG_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_conf_defaults_to_all_interfaces_and_two_workers_a_core_plus_one(monkeypatch):
    conf = _load_gunicorn_conf(monkeypatch)

    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert (conf["timeout"], conf["graceful_timeout"], conf["keepalive"]) == (30, 30, 5)
    assert conf["wsgi_app"] == "geventator.wsgi:application"
    assert conf["logconfig_dict"]["formatters"]["json"]["()"] == "geventator.logs.JsonFormatter"


def test_gunicorn_conf_reads_bind_workers_and_timeout_from_the_environment(monkeypatch):
    conf = _load_gunicorn_conf(
        monkeypatch,
        GUNICORN_BIND="127.0.0.1:9000,unix:/run/geventator.sock",
        WEB_CONCURRENCY="3",
        GUNICORN_TIMEOUT="60",
    )

    assert conf["bind"] == ["127.0.0.1:9000", "unix:/run/geventator.sock"]
    assert conf["workers"] == 3
    assert conf["timeout"] == 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a loopback http URL)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_gunicorn_with_the_repo_config_serves_healthz_and_logs_json(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED} | {
        "SECRET_KEY": "gunicorn-test-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        # Probes call by IP: /healthz answers them anyway, other pages do not.
        "ALLOWED_HOSTS": "events.example.org",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    # Started from another directory: the config finds the app by itself.
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status, body = None, b""
        while time.monotonic() < deadline and status != 200:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                time.sleep(0.2)
        admin_status, _ = _get(f"http://127.0.0.1:{port}/admin/login/")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert (status, json.loads(body or b"{}")) == (200, {"status": "ok"}), output
    assert admin_status == 400
    access = [json.loads(line) for line in output.splitlines() if '"gunicorn.access"' in line]
    assert {"method": "GET", "path": "/healthz", "status": 200}.items() <= access[0].items()


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(BIN / "hadolint")

    result = subprocess.run(  # noqa: S603
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_a_healthz_check():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]

    assert sum(line.startswith("FROM ") for line in instructions) == 2  # build and runtime stages
    assert any("collectstatic" in line for line in instructions)
    assert any("pybabel compile" in line for line in instructions)  # the .mo files are not committed
    user = [line for line in instructions if line.startswith("USER ")][-1]
    assert user.split()[1].split(":")[0] not in {"0", "root"}
    healthcheck_at = next(i for i, line in enumerate(instructions) if line.startswith("HEALTHCHECK"))
    assert "/healthz" in instructions[healthcheck_at + 1]
    assert instructions[-1] == 'CMD ["gunicorn", "--config", "/app/gunicorn.conf.py"]'


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())

    assert {".git", ".venv", "var", "*.sqlite3", ".env"} <= ignored


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_app_uses_the_mongodb_replica_set(compose):
    app = compose["services"]["app"]

    assert app["environment"]["DATABASE_URL"] == "mongodb://mongodb:27017/geventator?replicaSet=rs0"
    assert app["depends_on"] == {
        "mongodb": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert compose["services"]["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_compose_mongodb_is_a_replica_set_initiated_by_its_healthcheck_with_a_volume(compose):
    mongodb = compose["services"]["mongodb"]

    assert mongodb["image"].startswith("mongo:8")
    assert mongodb["command"][mongodb["command"].index("--replSet") + 1] == "rs0"
    check = mongodb["healthcheck"]["test"][-1]
    assert 'rs.initiate({_id: "rs0", members: [{_id: 0, host: "mongodb:27017"}]})' in check
    assert "isWritablePrimary" in check
    volume, path = mongodb["volumes"][0].split(":")
    assert path == "/data/db"
    assert volume in compose["volumes"]


def test_compose_runs_the_task_worker_after_the_migrations(compose):
    worker = compose["services"]["worker"]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["environment"]["DATABASE_URL"] == compose["services"]["app"]["environment"]["DATABASE_URL"]
