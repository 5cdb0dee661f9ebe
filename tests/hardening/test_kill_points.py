"""A backup, restore, dry run or reinit killed (SIGKILL) at any moment leaves nothing behind.

Each operation runs as the real command in its own process, killed at its Nth system event
(`killer`: a file opened, renamed or removed, an SQL statement...). A first run counts the
events; then 20 kill points are spread over them (every event with EDMS_HARDENING_LONG=1).
After each kill the next start (a dry run uploaded through the API, `killcheck`) must be
admitted and must have cleaned up: no spool folder or partial file anywhere, no package without
its sidecar, no stored file that no record refers to, no job left pending or running, the data
either as before or as after a complete run, the audit chain intact. The figures go to
`kill-points.json` in the pytest temporary directory and one line per operation to stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from edms.core.installation import Installation

pytestmark = pytest.mark.slow

LONG = os.environ.get("EDMS_HARDENING_LONG") == "1"
POINTS = 20
REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "kill-test-passphrase-1"


class _Helper:
    """A test-only helper process (`killer` or `killcheck`) answering one JSON line per
    request line."""

    def __init__(self, edms: Installation, module: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"tests.hardening.{module}"],
            env=edms.env(),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer, f"the {self.process.args[-1]} helper stopped"
        return json.loads(answer)


@dataclass(frozen=True)
class Playground:
    edms: Installation
    root: Path
    package: Path
    killer: _Helper
    checker: _Helper


@dataclass(frozen=True)
class Operation:
    name: str
    args: tuple[str, ...]
    starts_from: str  # "demo" (the demo data) or "empty" (after a reinit)
    changes_data: bool


OPERATIONS = [
    Operation("backup", ("create_backup", "--type", "full", "--verify"), "demo", False),
    Operation(
        "encrypted backup",
        ("create_backup", "--type", "full", "--verify", "--encrypt", "--output", "{out}"),
        "demo",
        False,
    ),
    Operation("restore", ("restore_backup", "--from-file", "{package}"), "empty", True),
    Operation(
        "clean restore", ("restore_backup", "--from-file", "{package}", "--clean"), "empty", True
    ),
    Operation(
        "dry run", ("restore_backup", "--from-file", "{package}", "--dry-run"), "empty", False
    ),
    Operation("reinit", ("system_reinit", "--confirm", "--reason", "kill test"), "demo", True),
]


@pytest.fixture(scope="module")
def playground(tmp_path_factory):
    """An installation with demo data, its full backup, and folders for outputs and temp files."""
    from edms.core.pg_databases import create_database_at, drop_database_at

    server = os.environ.get("EDMS_TEST_DATABASE_URL")
    root = tmp_path_factory.mktemp("kill-points")
    (root / "out").mkdir()
    (root / "tmp").mkdir()
    edms = Installation(
        data_dir=root / "data",
        database_url=create_database_at(server, "edms_kill") if server else None,
        extra_env={
            "EDMS_JOB_RUNNER": "inline",
            "EDMS_ALLOWED_HOSTS": "testserver",
            "EDMS_ADMIN_PASSWORD": "kill-test-admin-1",
            "EDMS_BACKUP_PASSPHRASE": PASSPHRASE,
            "TMPDIR": str(root / "tmp"),
        },
    )
    edms.run("migrate", "--noinput", "-v0")
    edms.run("load_demo_data", "--documents", "20", "--password", "demo-password-k")
    package = root / "demo.tar.zst"
    edms.run("create_backup", "--type", "full", "--output", str(package))
    with _Helper(edms, "killer") as killer, _Helper(edms, "killcheck") as checker:
        yield Playground(edms, root, package, killer, checker)
    if edms.database_url:
        drop_database_at(edms.database_url)


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """The measured figures, per operation, written out as the tests go."""
    path = tmp_path_factory.getbasetemp() / "kill-points.json"
    data = {"database": "postgresql" if os.environ.get("EDMS_TEST_DATABASE_URL") else "sqlite"}

    def record(operation: str, result: dict) -> None:
        data[operation] = result
        path.write_text(json.dumps(data, indent=2))

    return record


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_a_run_killed_at_any_point_leaves_nothing_behind(playground, figures, operation):
    """GIVEN an installation in the operation's starting state
    WHEN the operation is killed with SIGKILL at each of its kill points
    THEN after each kill the next start through the API is admitted (202) and finds nothing
    left: no spool, partial file or unfinished package, no stray stored file, no job still
    running (the killed one is listed as interrupted), the data fully old or fully new."""
    _bring_to(playground.edms, playground.package, operation.starts_from)
    reset = ("reinit" if operation.starts_from == "empty" else "restore") * operation.changes_data

    old = playground.checker.ask(package=str(playground.package))["digest"]
    events = _run(playground, operation, 0)
    assert events["returncode"] == 0, events["log"]
    complete = _check(playground, reset, old)
    new_counts, old = complete["counts"], complete["digest_after"]
    known = set(complete["known_jobs"])

    total = events["events"]
    points = range(1, total + 1) if LONG else _spread(total, POINTS)
    problems: list[str] = []
    left_behind: set[str] = set()
    tally = {"killed": 0, "old": 0, "new": 0}
    for n in points:
        run = _run(playground, operation, n)
        tally["killed"] += run["returncode"] == -9
        check = _check(playground, reset, old)
        state = _state(check, old, new_counts)
        tally[state] = tally.get(state, 0) + 1
        found = _problems(check, known, state, playground.root)
        problems += [f"kill at {n}/{total}: {problem}" for problem in found]
        known, old = set(check["known_jobs"]), check["digest_after"]
        left_behind.update(_leftovers(playground.root))

    result = {
        "events": total,
        "kill_points": len(points),
        "killed": tally["killed"],
        "left_old": tally["old"],
        "left_new": tally["new"],
        "problems": len(problems),
        "leftovers": len(left_behind) + sum("stray" in p for p in problems),
        "stuck_jobs": sum("still" in p for p in problems),
        "api_refused": sum("API" in p for p in problems),
        "examples": problems[:10],
        "left_behind": sorted(left_behind)[:20],
    }
    figures(operation.name, result)
    print(
        f"\n{operation.name}: {len(points)} kill points over {total} events, "
        f"{tally['killed']} killed ({tally['old']} left old, {tally['new']} new): "
        f"{result['leftovers']} leftovers, {result['stuck_jobs']} stuck jobs, "
        f"{result['api_refused']} API refusals"
    )
    assert not problems, "\n".join(problems[:20])
    assert len(points) >= POINTS and tally["killed"] >= POINTS - 1


def _spread(total: int, count: int) -> list[int]:
    """`count` event numbers spread evenly from the first event to the last."""
    assert total >= count, f"only {total} events"
    return sorted({1 + round(i * (total - 1) / (count - 1)) for i in range(count)})


def _run(playground: Playground, operation: Operation, kill_at: int) -> dict:
    """The operation as its command, in a new process killed at event `kill_at` (0: never)."""
    out = playground.root / "out" / f"package-{kill_at}.tar.zst.age"
    args = [a.format(out=out, package=playground.package) for a in operation.args]
    log = playground.root / "command.log"
    answer = playground.killer.ask(args=args, kill_at=kill_at, log=str(log))
    return {**answer, "log": log.read_text()[-3000:] if log.exists() else ""}


def _check(playground: Playground, reset: str, old: str) -> dict:
    """The next start, from the long-running process, and what it finds."""
    return playground.checker.ask(package=str(playground.package), reset=reset, old=old)


def _bring_to(edms: Installation, package: Path, state: str) -> None:
    if state == "empty":
        edms.run("system_reinit", "--confirm", "--no-safety-backup", "--reason", "kill test")
    else:
        edms.run("restore_backup", "--from-file", str(package), "--clean", "--reason", "kill test")


def _state(check: dict, old: str, new_counts: dict) -> str:
    """old: every record as before; new: as many of each as a complete run leaves (a reinit's
    admin gets a fresh password and date each time, so the records cannot be compared)."""
    if check["digest"] == old:
        return "old"
    return "new" if check["counts"] == new_counts else "mixed"


def _problems(check: dict, known: set[str], state: str, root: Path) -> list[str]:
    problems = []
    start = check["next_start"]
    if start["status"] != 202:
        problems.append(f"the API refused the next start: {start['status']} {start['detail']}")
    jobs = {job["uuid"]: job for job in start["jobs"]}
    if jobs.get(start["job"], {}).get("status") != "completed":
        problems.append(f"the API's dry run did not complete: {jobs.get(start['job'])}")
    for job in jobs.values():
        if job["uuid"] in known or job["uuid"] == start["job"]:
            continue
        interrupted = job["status"] == "failed" and job["error"].startswith("interrupted")
        if not (interrupted or job["status"] == "completed"):
            problems.append(f"the killed job is {job['status']}: {job['error']}")
    if check["active_jobs"]:
        problems.append(f"{check['active_jobs']} jobs still pending or running")
    if state == "mixed":
        problems.append("the data is neither as before nor as after a complete run")
    if not check["audit_chain_ok"]:
        problems.append("the audit chain does not verify")
    problems += [f"stray stored file {path}" for path in check["stray_files"]]
    problems += [f"left behind: {path}" for path in _leftovers(root)]
    return problems


def _leftovers(root: Path) -> list[str]:
    """Spools, partial files, temporary files, and packages without a sidecar."""
    data = root / "data"
    places = [*data.rglob("*"), *(root / "out").rglob("*"), *(root / "tmp").rglob("*")]
    temporary = (root / "tmp", data / "storage" / "tmp")
    return [
        str(path)
        for path in places
        if path.name.startswith(".edms-backup-")
        or path.name.endswith(".partial")
        or path.parent in temporary
        or (".tar." in path.name and _unfinished(path))
    ]


def _unfinished(package: Path) -> bool:
    """A package without its sidecar (uploads for a restore have none)."""
    if package.name.endswith(".metadata.json") or package.parent.name == "uploads":
        return False
    return not package.with_name(package.name + ".metadata.json").exists()
