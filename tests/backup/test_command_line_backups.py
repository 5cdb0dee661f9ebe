import hashlib
import json
import stat
import subprocess
from pathlib import Path

import pytest

from tests.backup.conftest import run_json

TYPES = ("database", "files", "full", "export")


def _tar_names(path: Path) -> list[str]:
    flag = "--zstd" if path.name.endswith(".zst") else "--gzip"
    listing = subprocess.run(["tar", flag, "-tf", str(path)], capture_output=True, check=True)
    return listing.stdout.decode().split()


@pytest.mark.slow
def test_each_backup_type_is_created_listed_and_verified_from_the_command_line(demo_instance):
    """GIVEN an instance with demo data
    WHEN an operator runs `edms create_backup --type T` for every type, then `list_backups`
    and `verify_backup` on each package
    THEN each package is an owner-only tar.zst in the backups directory with a sidecar, holds
    records and/or files as its type says, is listed as completed and verifies."""
    instance = demo_instance(documents=12)
    created = {}
    for backup_type in TYPES:
        code, result = run_json(instance, "create_backup", "--type", backup_type)
        assert code == 0 and result["ok"], result
        path = Path(result["path"])
        created[backup_type] = path
        assert path.parent == instance.data_dir / "backups"
        assert path.name.startswith(f"edms-{backup_type}-") and path.name.endswith(".tar.zst")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        sidecar = json.loads(Path(f"{path}.metadata.json").read_text())
        assert sidecar["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert sidecar["backup_type"] == backup_type

        names = _tar_names(path)
        assert names[0] == "manifest.json"
        has_records = any(n.startswith("records/") for n in names)
        has_files = any(n.startswith("files/") for n in names)
        assert has_records == (backup_type != "files")
        assert has_files == (backup_type != "database")
        if has_records:
            assert any(n.endswith("-documents.document.jsonl") for n in names)
            assert result["record_counts"]["documents.document"] == 12

    code, listing = run_json(instance, "list_backups")
    assert code == 0
    by_path = {row["path"]: row for row in listing}
    for backup_type, path in created.items():
        row = by_path[str(path)]
        assert (row["backup_type"], row["status"], row["exists"]) == (
            backup_type,
            "completed",
            True,
        )

    for path in created.values():
        code, report = run_json(instance, "verify_backup", str(path))
        assert code == 0 and report["ok"] and report["problems"] == []
        assert report["sizes"]["package"] == path.stat().st_size
    human = instance.run("list_backups").stdout
    assert all(path.name in human for path in created.values())


@pytest.mark.slow
def test_gzip_compression_and_verify_flag_on_the_command_line(demo_instance):
    """GIVEN an instance with demo data WHEN `create_backup --compression gzip --verify` runs
    THEN the package is a gzip tar (.tar.gz) marked verified, and verify_backup accepts it."""
    instance = demo_instance(documents=5)
    code, result = run_json(
        instance, "create_backup", "--type", "full", "--compression", "gzip", "--verify"
    )
    path = Path(result["path"])
    assert code == 0 and result["verified"] is True
    assert path.name.endswith(".tar.gz") and path.read_bytes()[:2] == b"\x1f\x8b"
    assert _tar_names(path)[0] == "manifest.json"
    assert run_json(instance, "verify_backup", str(path))[1]["ok"]
    code, listing = run_json(instance, "list_backups")
    listed = [row["verification"]["state"] for row in listing if row["path"] == str(path)]
    assert listed == ["passed"]
