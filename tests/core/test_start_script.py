"""`scripts/start.sh`: a running EDMS with demo data on first start, the same data on the next,
and the backup scheduler running beside the web server."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "start.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningEDMS:
    """start.sh running in its own process group, its output collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [str(SCRIPT)],
            env={**env, "EDMS_PORT": str(self.port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output = ""

    def read_until(self, marker: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            line = self.process.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise AssertionError(f"start.sh never printed {marker!r}:\n{self.output}")
            self.output += line
        return self.output

    def wait_for_http(self, path: str = "/admin/login/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as response:
                    assert response.status == 200
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self, group: bool = True) -> None:
        """SIGTERM to the whole process group, as Ctrl-C or systemd do; or, with group=False,
        to the script alone, which must stop what it started."""
        if self.process.poll() is None:
            if group:
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                self.process.terminate()
            self.process.wait(timeout=90)
        self.process.stdout.close()

    def left_running(self) -> list[str]:
        """The processes of the script's session still alive (start_new_session made one)."""
        listed = subprocess.run(
            ["ps", "-s", str(self.process.pid), "-o", "pid=,args="],
            capture_output=True,
            text=True,
        )
        return listed.stdout.splitlines()


def _admin_login(server: RunningEDMS, password: str) -> str:
    """Log in to the Django admin as a browser would; return the page reached."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(server.url("/admin/login/")).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"username": "admin", "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(
        server.url("/admin/login/"), data=data, headers={"Referer": server.url("/admin/login/")}
    )
    return opener.open(request).read().decode()


@pytest.mark.slow
def test_first_start_loads_demo_data_and_a_restart_keeps_it(new_instance):
    """GIVEN an empty data directory WHEN scripts/start.sh runs THEN the server answers, the
    printed admin login opens the Django admin, and demo data is there; WHEN it is stopped and
    started again THEN no second demo load happens and the documents are the same."""
    instance = new_instance("start", migrate=False)
    count = (
        "from edms.documents.models import Document;"
        "print(sorted(Document.objects.values_list('document_number', flat=True)))"
    )
    server = RunningEDMS(instance.env())
    try:
        output = server.read_until("Open http://")
        server.wait_for_http()
        password = re.search(r"Admin login: admin / (\S+)", output).group(1)
        assert "Site administration" in _admin_login(server, password)
        assert "Site administration" not in _admin_login(server, password + "x")
    finally:
        server.stop()
    documents = instance.run("shell", "--no-imports", "-c", count).stdout
    assert documents.strip() == "['POL-0001', 'SOP-0001', 'SOP-0002', 'WI-0001']"

    again = RunningEDMS(instance.env())
    try:
        output = again.read_until("Open http://")
        again.wait_for_http()
        assert "already has data; it is kept" in output
        assert "Demo data loaded" not in output
        assert "Site administration" in _admin_login(again, password)
    finally:
        again.stop()
    assert instance.run("shell", "--no-imports", "-c", count).stdout == documents


def _first_package(backups: Path, timeout: float) -> dict:
    """The sidecar of the first package written to `backups`, waiting at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in backups.glob("edms-*.metadata.json"):
            return json.loads(path.read_text())
        time.sleep(1)
    raise AssertionError(f"no package in {backups} after {timeout} s")


@pytest.mark.slow
def test_a_schedule_runs_under_start_sh_and_stopping_it_leaves_nothing_running(new_instance):
    """GIVEN EDMS started with scripts/start.sh and nothing else WHEN an every-minute schedule
    is created on the command line THEN within 150 s its backup is in the backups directory,
    made by the scheduler that start.sh runs beside the web server; WHEN only the script is sent
    SIGTERM THEN it stops the server and the scheduler with it: no process of it is left."""
    instance = new_instance("scheduled", migrate=False)
    server = RunningEDMS(instance.env())
    try:
        server.read_until("Open http://")
        server.wait_for_http()
        instance.run("manage_backup_configs", "create", "every-minute", "--type", "database",
                     "--schedule", "* * * * *")  # fmt: skip

        package = _first_package(instance.data_dir / "backups", timeout=150)
    finally:
        server.stop(group=False)
        left = server.left_running()
        if left:  # clean up before failing below
            os.killpg(server.process.pid, signal.SIGKILL)

    assert (package["configuration"], package["origin"]) == ("every-minute", "scheduled")
    assert package["verification"]["state"] == "passed"
    assert server.process.returncode == 143
    assert left == []
