"""The deployment in deploy/: the playbook parses and lints, the app role installs a working app
into a temporary prefix (twice: the second run changes nothing), and the Vagrantfile validates.

They use none of the suite's databases: `make test-sqlite` runs them, `make test-mongo` leaves them out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

# One worker runs them all when the suite runs in parallel: the install fixture is set up once.
pytestmark = [pytest.mark.deploy, pytest.mark.xdist_group("deploy")]

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)",
    re.M,
)


def ansible_env() -> dict[str, str]:
    """The environment for ansible-* commands: this venv's tools, a UTF-8 locale (ansible-core
    refuses others), deploy/ansible.cfg, no colours in the output we parse."""
    # pytest-django's DJANGO_SETTINGS_MODULE (the test settings) must not reach the installed app.
    inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return {
        **inherited,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "LC_ALL": "C.UTF-8",
        "ANSIBLE_CONFIG": str(DEPLOY / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "NO_COLOR": "1",
    }


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # noqa: S603


def recap(output: str) -> dict[str, int]:
    match = RECAP.search(output)
    assert match, output[-3000:]
    return {key: int(value) for key, value in match.groupdict().items() if key != "host"}


@dataclass
class Installed:
    prefix: Path
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]

    @property
    def root(self) -> Path:
        return self.prefix / "opt" / "geventator"

    @property
    def env_file(self) -> Path:
        return self.prefix / "etc" / "geventator" / "geventator.env"

    def settings(self) -> dict[str, str]:
        """The environment file read as systemd does (KEY="value", \\" and \\\\ escapes)."""
        settings = {}
        for line in self.env_file.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                settings[key] = json.loads(value)
        return settings


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The app role run twice against localhost into a fresh prefix, from this repo's HEAD."""
    prefix = tmp_path_factory.mktemp("prefix")
    head = run(["git", "-C", str(REPO), "rev-parse", "HEAD"]).stdout.strip()
    variables = {
        "ansible_python_interpreter": sys.executable,
        "geventator_prefix": str(prefix),
        "geventator_manage_services": False,
        "geventator_repo_url": str(REPO),
        "geventator_version": head,
        "geventator_python": sys.executable,
        "geventator_database_url": f"sqlite:///{prefix}/var/lib/geventator/geventator.sqlite3",
        "geventator_secret_key": "deploy-test-only-secret-key-0123456789abcdef",
        "geventator_allowed_hosts": ["localhost"],
    }
    extra_vars = prefix.parent / f"{prefix.name}-vars.json"
    extra_vars.write_text(json.dumps(variables))
    command = [
        str(BIN / "ansible-playbook"),
        "-i",
        "localhost,",
        str(DEPLOY / "tests" / "app-local.yml"),
        "-e",
        f"@{extra_vars}",
    ]
    first = run(command, cwd=DEPLOY, env=ansible_env())
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    second = run(command, cwd=DEPLOY, env=ansible_env())
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    return Installed(prefix, first, second)


def test_site_playbook_passes_syntax_check() -> None:
    result = run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "site.yml", "-i", "inventories/vagrant.ini"],
        cwd=DEPLOY,
        env=ansible_env(),
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_ansible_lint_passes_on_deploy() -> None:
    result = run([str(BIN / "ansible-lint"), "--offline"], cwd=DEPLOY, env=ansible_env())

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_app_role_installs_the_app_into_the_prefix(installed: Installed) -> None:
    root = installed.root
    settings = installed.settings()

    assert recap(installed.first.stdout)["changed"] > 0
    assert (root / "src" / "gunicorn.conf.py").is_file()
    assert (root / "venv" / "bin" / "gunicorn").is_file()
    assert settings["DATABASE_URL"] == f"sqlite:///{installed.prefix}/var/lib/geventator/geventator.sqlite3"
    assert settings["DEBUG"] == "0"
    assert settings["DJANGO_SETTINGS_MODULE"] == "geventator.settings"
    # nginx in front: the lockout and the throttles read the client from its X-Forwarded-For.
    assert settings["TRUSTED_PROXY_COUNT"] == "1"
    assert (installed.prefix / "var" / "lib" / "geventator" / "geventator.sqlite3").stat().st_size > 0
    assert (root / "static" / "staticfiles.json").is_file()  # collectstatic's manifest
    assert (root / "src" / "locale" / "es" / "LC_MESSAGES" / "django.mo").is_file()  # not committed: compiled
    # Receipt files: a folder of their own under the data folder, named in the settings.
    assert settings["MEDIA_ROOT"] == f"{installed.prefix}/var/lib/geventator/media"
    assert (installed.prefix / "var" / "lib" / "geventator" / "media").is_dir()
    unit = (installed.prefix / "etc" / "systemd" / "system" / "geventator.service").read_text()
    assert f"ExecStart={root}/venv/bin/gunicorn --config {root}/src/gunicorn.conf.py" in unit
    assert f"EnvironmentFile={installed.env_file}" in unit
    worker = (installed.prefix / "etc" / "systemd" / "system" / "geventator-worker.service").read_text()
    assert f"ExecStart={root}/venv/bin/python {root}/src/manage.py db_worker" in worker
    assert f"EnvironmentFile={installed.env_file}" in worker


def test_app_role_second_run_changes_nothing(installed: Installed) -> None:
    second = recap(installed.second.stdout)

    assert second == {**second, "changed": 0, "failed": 0, "unreachable": 0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a loopback http URL)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None  # not listening yet


def test_installed_gunicorn_answers_healthz(installed: Installed) -> None:
    port = free_port()
    env = {
        **ansible_env(),
        **installed.settings(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(installed.root / "venv" / "bin" / "gunicorn"),
            "--config",
            str(installed.root / "src" / "gunicorn.conf.py"),
        ],
        cwd=installed.root / "src",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 30
        while status != 200 and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            status = get_status(f"http://127.0.0.1:{port}/healthz")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    assert status == 200, errors[-3000:]


def test_vagrantfile_validates(tmp_path: Path) -> None:
    vagrant = shutil.which("vagrant")
    assert vagrant, "vagrant is missing: `make install` installs Debian's vagrant package"
    # --ignore-provider: validate parses the Vagrantfile and checks the provisioner settings,
    # without VirtualBox or a downloaded box. Vagrant's state goes to a scratch folder.
    env = {**os.environ, "VAGRANT_CWD": str(DEPLOY), "VAGRANT_DOTFILE_PATH": str(tmp_path / ".vagrant")}
    result = run([vagrant, "validate", "--ignore-provider"], cwd=DEPLOY, env=env)

    assert result.returncode == 0, result.stdout + result.stderr
