"""What `edms`, `edms help` and `edms --help` print: EDMS's own commands, grouped by task.

Django's own list (`edms django-help`) puts a hundred-odd commands in alphabetical order by app;
an operator looking for the restore should not have to read past `sqlsequencereset` to find it.
"""

from __future__ import annotations

import re

from django.core.management import get_commands, load_command_class

GROUPS: dict[str, tuple[str, ...]] = {
    "Backups": ("create_backup", "list_backups", "verify_backup"),
    "Restore and reinit": (
        "restore_backup",
        "restore_from_package",
        "restore_critical_business_data",
        "system_reinit",
        "test_restore",
        "safe_reinit_restore_test",
        "post_restore_health",
    ),
    "Schedules": ("manage_backup_configs", "trigger_backup", "backup_scheduler"),
    "Documents and audit": (
        "load_demo_data",
        "reconcile_document_types",
        "rebuild_search_index",
        "verify_audit_chain",
        "export_workflow_history",
        "verify_workflow_history",
        "import_workflow_history",
    ),
    "Installation": ("migrate", "check", "collectstatic", "changepassword", "loaddata", "shell"),
}


def overview(prog: str = "edms") -> str:
    commands = get_commands()
    width = max(len(name) for names in GROUPS.values() for name in names)
    lines = [f"Usage: {prog} <command> [options]"]
    for group, names in GROUPS.items():
        lines += ["", group]
        lines += [f"  {name:<{width}}  {summary(commands[name], name)}" for name in names]
    lines += [
        "",
        f"'{prog} help <command>' explains one command; '{prog} django-help' lists every "
        "command, Django's included.",
        "Settings come from EDMS_* environment variables (README.md: Configuration).",
    ]
    return "\n".join(lines)


def summary(app_name: str, name: str) -> str:
    """The first sentence of the command's help."""
    text = " ".join(str(load_command_class(app_name, name).help).split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text
