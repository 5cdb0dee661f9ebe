"""What the audit-chain tests share: the verify command run in-process, and raw SQL on the
audit table (as a database administrator would write it, past the model's guards)."""

import io

from django.core.management import CommandError, call_command
from django.db import connection

from edms.audit.models import AuditTrail


def verify_audit_chain(*args: str) -> tuple[int, str]:
    """Run `edms verify_audit_chain` in-process: its exit code and everything it printed."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chain", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue() + err.getvalue() + str(error)
    return 0, out.getvalue() + err.getvalue()


def raw_sql(sql: str, params: list) -> None:
    """Execute `sql` with `{table}` standing for the audit table."""
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{table}", AuditTrail._meta.db_table), params)
