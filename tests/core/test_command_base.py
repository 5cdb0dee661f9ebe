"""The command base as an operator meets it: --json output, exit codes from the error types, one
line on stderr and no traceback unless asked for."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_a_success_prints_one_json_object_with_ok(new_instance):
    """GIVEN a new installation WHEN verify_audit_chain runs with --json, and without
    THEN the first prints one JSON object with "ok": true and the report's fields, the second
    the sentence for a person; both exit 0 with nothing on stderr."""
    edms = new_instance("base-ok")

    as_json = edms.run("verify_audit_chain", "--json")
    as_text = edms.run("verify_audit_chain")

    report = json.loads(as_json.stdout)
    assert report["ok"] is True and report["intact"] is True
    assert report["breaks"] == []
    assert as_text.stdout.startswith("Audit trail intact:")
    assert as_json.stderr == as_text.stderr == ""


def test_an_error_exits_with_its_types_code_and_says_what_is_wrong(new_instance, tmp_path):
    """GIVEN a new installation WHEN a command names a configuration that does not exist, reads
    a damaged history file, or reinitialises without a reason THEN each exits with its error
    type's code (1, 3, 2), prints {"ok": false, "error", "message"} with --json, and says on
    stderr what is wrong, naming the configuration or file, without a traceback."""
    edms = new_instance("base-errors")
    damaged = tmp_path / "history.jsonl"
    damaged.write_text("{not json\n")

    unknown = edms.run("manage_backup_configs", "show", "nightly", "--json", check=False)
    flag_first = edms.run("manage_backup_configs", "--json", "show", "nightly", check=False)
    corrupt = edms.run("verify_workflow_history", str(damaged), "--json", check=False)
    no_reason = edms.run("system_reinit", "--confirm", "--json", check=False)
    as_text = edms.run("manage_backup_configs", "show", "nightly", check=False)

    assert (unknown.returncode, corrupt.returncode, no_reason.returncode) == (1, 3, 2)
    assert json.loads(unknown.stdout) == {
        "ok": False,
        "error": "ConfigurationError",
        "message": "no backup configuration named 'nightly' (configured: none)",
    }
    assert json.loads(flag_first.stdout) == json.loads(unknown.stdout)
    failed = json.loads(corrupt.stdout)
    assert failed["error"] == "CorruptPackage" and "history.jsonl" in failed["message"]
    assert json.loads(no_reason.stdout)["error"] == "UsageError"
    assert "--reason is required" in no_reason.stderr
    assert as_text.returncode == 1 and as_text.stdout == ""
    assert "no backup configuration named 'nightly'" in as_text.stderr
    for result in (unknown, corrupt, no_reason, as_text):
        assert "Traceback" not in result.stderr


def test_an_unexpected_error_is_one_line_and_exit_1_unless_traceback_is_asked_for(new_instance):
    """GIVEN an installation WHEN verify_audit_chain is pointed at a database alias that does
    not exist THEN it exits 1 with one line naming the error (and, with --json, the JSON
    failure object); with --traceback the traceback is shown. A bad option stays argparse's
    exit 2."""
    edms = new_instance("base-unexpected")

    plain = edms.run("verify_audit_chain", "--database", "elsewhere", check=False)
    as_json = edms.run("verify_audit_chain", "--database", "elsewhere", "--json", check=False)
    traced = edms.run("verify_audit_chain", "--database", "elsewhere", "--traceback", check=False)
    bad_option = edms.run("verify_audit_chain", "--no-such-option", check=False)

    assert plain.returncode == 1
    assert plain.stderr.strip().count("\n") == 0 and "elsewhere" in plain.stderr
    assert "Traceback" not in plain.stderr
    assert json.loads(as_json.stdout)["ok"] is False and as_json.returncode == 1
    assert traced.returncode == 1 and "Traceback" in traced.stderr
    assert bad_option.returncode == 2 and "--no-such-option" in bad_option.stderr
