"""What can go wrong, as types. Each class carries the exit code a command ends with and the
HTTP status the API answers with; `edms.core.command` and `edms.core.http_errors` apply them,
so no command or view maps errors itself. A message names the path or record at fault and
says what to do. The README's exit-code table lists every code."""


class EdmsError(Exception):
    """Refused or failed as asked; the message says why. The base of every EDMS error."""

    exit_code = 1
    http_status = 400


class UsageError(EdmsError):
    """The command line lacks something it needs or was not confirmed (argparse's own errors
    exit 2 as well)."""

    exit_code = 2


class CheckFailed(EdmsError):
    """A check found problems (audit chain, workflow history, document types); its report
    lists each one."""

    http_status = 422


class Conflict(EdmsError):
    """Valid, but the current state forbids it (a document in the wrong state, a job still
    running); the message says what to wait for or do first."""

    exit_code = 10
    http_status = 409


class NotPermitted(EdmsError):
    """Refused for who asks, not for what is asked: a missing role, a wrong signing password."""

    exit_code = 11
    http_status = 403


class TooLarge(EdmsError):
    """Larger than a configured limit; the message names the limit and its setting."""

    exit_code = 12
    http_status = 413


class NotFound(EdmsError):
    """What was named does not exist (a package, a job, a configuration); the message names it
    and where it was looked for."""

    exit_code = 13
    http_status = 404
