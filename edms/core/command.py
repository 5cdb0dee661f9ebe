"""The base of EDMS's management commands, so that a command is its arguments plus one service
call: `run` returns the result, `render` shows it to a person. The base adds `--json`, the
progress bar, the output, and exit codes taken from the error types (the README's table)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from contextlib import AbstractContextManager
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edms.core.errors import EdmsError
from edms.core.progress import Progress, terminal_progress


def add_json_option(parser: argparse.ArgumentParser, default: Any = False) -> None:
    """`--json`; a subcommand's parser passes `default=argparse.SUPPRESS`, so the flag works
    before or after the subcommand's name."""
    parser.add_argument(
        "--json", action="store_true", default=default, help="print one JSON object, not text"
    )


def to_json(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode()


def jsonable(result: Any) -> Any:
    """A report as plain data: its `as_json()` or `to_json()`, a dataclass's fields, or itself."""
    for method in ("as_json", "to_json"):
        if callable(convert := getattr(result, method, None)):
            return convert()
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    return result


class EdmsCommand(BaseCommand):
    """Subclasses implement `run(**options)` and, for people, `render(result)`. A result that
    is not a success names its error in `failure(result)`: it is still printed (the report
    says what is wrong), then the command exits with that error's code.

    With --json stdout holds one JSON object, the result's data with "ok" (a listing stays a
    JSON array); on an error it has "ok": false, "error" (the type) and "message". An error's
    message goes to stderr and its type's exit code ends the command; an unexpected exception
    is one line and exit 1, its traceback only with --traceback. Argparse's usage errors keep
    exit code 2."""

    json_output = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        add_json_option(parser)
        return parser

    def run(self, **options) -> Any:
        raise NotImplementedError("an EdmsCommand implements run()")

    def render(self, result: Any) -> None:
        """Show the result to a person; by default as its JSON."""
        self.stdout.write(to_json(self.as_json(result)))

    def as_json(self, result: Any) -> Any:
        return jsonable(result)

    def failure(self, result: Any) -> EdmsError | None:
        """The error a result that is not a success ends the command with (None: success)."""
        return None

    def progress(self) -> AbstractContextManager[Progress]:
        """A progress bar on stderr when it is a terminal and the output is not JSON."""
        return terminal_progress(not self.json_output and self.stderr.isatty())

    def handle(self, *args, **options) -> None:
        self.json_output = options["json"]
        try:
            result = self.run(**options)
        except Exception as exc:
            if self.json_output:
                self._write_json({}, exc)
            if isinstance(exc, EdmsError):
                raise CommandError(str(exc), returncode=exc.exit_code) from None
            raise
        error = self.failure(result)
        if self.json_output:
            self._write_json(self.as_json(result), error)
        else:
            self.render(result)
        if error is not None:
            raise CommandError(str(error), returncode=error.exit_code)

    def run_from_argv(self, argv: list[str]) -> None:
        """Django's, plus: an unexpected exception is one line on stderr and exit 1."""
        try:
            super().run_from_argv(argv)
        except Exception as exc:
            if "--traceback" in argv:
                raise
            self.stderr.write(f"{type(exc).__name__}: {exc} (--traceback shows where)")
            sys.exit(1)

    def _write_json(self, data: Any, error: BaseException | None) -> None:
        if isinstance(data, dict):
            data = {"ok": True, **data}
            if error is not None:
                data.update(ok=False, error=type(error).__name__, message=str(error))
        self.stdout.write(to_json(data))
