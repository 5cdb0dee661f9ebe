import shutil
import subprocess
from pathlib import Path

import pyrage
import pytest

from edms.backup.errors import DecryptionFailed
from edms.backup.operations.jobs import run_backup
from edms.backup.package.reader import open_package
from edms.backup.verify import verify_package
from tests.backup.conftest import run_json


@pytest.mark.slow
def test_a_passphrase_encrypted_backup_verifies_only_with_its_passphrase(demo_instance, tmp_path):
    """GIVEN an instance and a passphrase in EDMS_BACKUP_PASSPHRASE
    WHEN `create_backup --type full --encrypt` runs
    THEN the package is an age file (.tar.zst.age); `verify_backup` accepts it with the
    passphrase file, and without it or with a wrong one exits 6 saying why."""
    instance = demo_instance(documents=4)
    instance.extra_env["EDMS_BACKUP_PASSPHRASE"] = "correct horse battery staple"
    code, result = run_json(instance, "create_backup", "--type", "full", "--encrypt")
    assert code == 0 and result["encrypted"]
    package = Path(result["path"])
    assert package.name.endswith(".tar.zst.age")
    assert package.read_bytes().startswith(b"age-encryption.org/v1\n")
    del instance.extra_env["EDMS_BACKUP_PASSPHRASE"]
    right, wrong = tmp_path / "right", tmp_path / "wrong"
    right.write_text("correct horse battery staple\n")
    wrong.write_text("incorrect horse\n")

    code, report = run_json(
        instance, "verify_backup", str(package), "--passphrase-file", str(right)
    )
    assert code == 0 and report["ok"] and report["counts"]["documents.document"] == 4

    missing = instance.run("verify_backup", str(package), check=False)
    assert missing.returncode == 6
    assert "is encrypted: give its passphrase" in missing.stderr

    bad = instance.run("verify_backup", str(package), "--passphrase-file", str(wrong), check=False)
    assert bad.returncode == 6
    assert "wrong passphrase or identity" in bad.stderr


@pytest.mark.slow
def test_encrypt_without_a_passphrase_is_refused_and_writes_nothing(demo_instance):
    """GIVEN no passphrase anywhere WHEN `create_backup --encrypt` runs THEN it exits non-zero
    naming the options, and the backups directory holds no package."""
    instance = demo_instance(documents=2)

    result = instance.run("create_backup", "--type", "database", "--encrypt", check=False)

    assert result.returncode == 2 and "--passphrase-file" in result.stderr
    backups = instance.data_dir / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []


@pytest.mark.django_db
def test_a_recipient_encrypted_backup_opens_with_the_identity_and_the_age_tool(
    effective_document, tmp_path
):
    """GIVEN an age key pair WHEN a full backup is encrypted to the public key
    THEN the package reads with the identity (and the standard `age` tool decrypts it to a tar
    whose first member is manifest.json), and another identity is refused."""
    identity = pyrage.x25519.Identity.generate()
    job = run_backup("full", recipients=[str(identity.to_public())], verify=True)
    package = Path(job.path)

    report = verify_package(package, identity=str(identity))
    assert report.ok, report.problems
    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(DecryptionFailed, match="wrong passphrase or identity"):
        open_package(package, identity=str(stranger))

    if shutil.which("age") is None:
        pytest.skip("the age command-line tool is not installed")
    key_file = tmp_path / "key.txt"
    key_file.write_text(str(identity) + "\n")
    plain = tmp_path / "plain.tar.zst"
    subprocess.run(["age", "-d", "-i", str(key_file), "-o", str(plain), str(package)], check=True)
    listing = subprocess.run(["tar", "--zstd", "-tf", str(plain)], capture_output=True, check=True)
    assert listing.stdout.decode().split()[0] == "manifest.json"
