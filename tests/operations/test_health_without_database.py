import json
import subprocess
import sys

SUMMARY = (
    "import json; from edms.backup.operations.health import health_summary;"
    "print(json.dumps(health_summary()))"
)


def test_an_unreachable_database_is_critical(new_instance):
    """GIVEN an installation whose database server does not answer
    WHEN health is checked THEN the status is critical, naming the database, and the checks
    that need no database (free space, stored files) are still reported."""
    instance = new_instance("nodb", migrate=False)
    env = instance.env() | {"EDMS_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/edms"}

    result = subprocess.run(
        [sys.executable, "-m", "edms", "shell", "--no-imports", "-c", SUMMARY],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    summary = json.loads(result.stdout)
    assert summary["status"] == "critical"
    assert summary["database"]["reachable"] is False
    assert summary["problems"][0]["message"].startswith("database unreachable:")
    assert summary["audit_chain"] == {"status": "unchecked"}
    assert summary["disk"]["backup_dir"]["free_bytes"] > 0
    assert summary["storage"]["file_count"] == 0
