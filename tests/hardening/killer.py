"""Run `edms` commands and SIGKILL each at its Nth system event (test-only).

    python -m tests.hardening.killer    (then one JSON request per line on stdin)

Django is loaded once; each request {"args": [...], "kill_at": N, "log": path} forks a fresh
process that runs the real command and is killed at its Nth event: a call, once the command
has started, of a function that opens, creates, links, renames, removes or syncs a file, makes
or removes a directory, or executes an SQL statement. The answer, one JSON line, gives the
exit code (-9 when killed) and the events counted; with N=0 nothing is killed, so the count
tells a test how to spread its kill points over the whole run.
"""

from __future__ import annotations

import builtins
import functools
import json
import os
import shutil
import signal
import sys
import traceback

OS_CALLS = ("open", "replace", "rename", "link", "unlink", "mkdir", "rmdir", "fsync", "ftruncate")
state = {"counting": False, "events": 0, "kill_at": 0}


def _event(function):
    @functools.wraps(function)
    def counted(*args, **kwargs):
        if state["counting"]:
            state["events"] += 1
            if state["events"] == state["kill_at"]:
                os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)

    return counted


def install() -> None:
    for name in OS_CALLS:
        setattr(os, name, _event(getattr(os, name)))
    builtins.open = _event(builtins.open)
    shutil.rmtree = _event(shutil.rmtree)

    from django.core.management.base import BaseCommand
    from django.db.backends import utils

    utils.CursorWrapper.execute = _event(utils.CursorWrapper.execute)
    utils.CursorWrapper.executemany = _event(utils.CursorWrapper.executemany)
    execute = BaseCommand.execute

    def started(self, *args, **options):
        state["counting"] = True
        return execute(self, *args, **options)

    BaseCommand.execute = started


def run(request: dict) -> dict:
    """Fork; the child runs the command, its output going to the request's log file."""
    from django.db import connections

    connections.close_all()  # the child opens its own
    events_read, events_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(events_read)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        state["kill_at"] = request["kill_at"]
        code = 0
        try:
            from edms.manage import main

            main(["edms", *request["args"]])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 1
        os.write(events_write, str(state["events"]).encode())
        os._exit(code)
    os.close(events_write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(events_read) as events:
        counted = events.read()
    return {"returncode": os.waitstatus_to_exitcode(status), "events": int(counted or 0)}


def main() -> None:
    import django

    django.setup()
    install()
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
