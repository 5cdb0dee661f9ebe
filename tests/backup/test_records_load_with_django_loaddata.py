import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.backup.conftest import run_json

DIGEST = "from edms.backup.digest import content_digest; print(content_digest())"


@pytest.mark.slow
def test_records_extracted_with_tar_load_into_a_fresh_install_with_loaddata(
    demo_instance, new_instance, tmp_path
):
    """GIVEN a full backup of an instance with demo data
    WHEN someone with only tar, zstd and Django extracts it (`tar --zstd -xf`) and runs
    `edms loaddata records/*.jsonl` in a freshly migrated install
    THEN the new install holds the same business data: its content digest equals the one in
    the manifest, and every stored file extracted from files/ has the checksum of its name."""
    source = demo_instance(documents=10, name="source")
    code, result = run_json(source, "create_backup", "--type", "full")
    assert code == 0
    extracted = tmp_path / "extracted"
    extracted.mkdir()
    subprocess.run(["tar", "--zstd", "-xf", result["path"], "-C", str(extracted)], check=True)
    manifest = json.loads((extracted / "manifest.json").read_text())

    fresh = new_instance("fresh")
    records = sorted(str(p) for p in (extracted / "records").glob("*.jsonl"))
    loaded = fresh.run("loaddata", *records)

    total = sum(manifest["record_counts"].values())
    assert f"Installed {total} object(s) from {len(records)} fixture(s)" in loaded.stdout
    digest = fresh.run("shell", "--no-imports", "-c", DIGEST).stdout.strip()
    assert digest == manifest["content_digest"]
    files = list((extracted / "files").iterdir())
    assert len(files) == manifest["file_count"] > 0
    for path in files:
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == path.name
