"""The compatibility promise: every package in the corpus (`tests/fixtures/packages/<version>/`,
one set per release that changed a model) restores on the current code with nothing lost.

Each set holds a full, a database, an export and an encrypted package of one demo instance and
the `dumpdata` of that instance. When a migration changes stored data by design, the records it
changes are named here, next to the comparison; so far no migration has.
"""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from edms.core.registry import BackupRole, registry

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "packages"
SETS = sorted(path for path in CORPUS.iterdir() if path.is_dir())
RESTORE_ENTRY = "BACKUP_RESTORED"
CONFIGURATION = {entry.label for entry in registry.of_role(BackupRole.CONFIGURATION)}


def records(dumpdata_json: str) -> set[str]:
    """Records as comparable strings. Configuration that a fresh install already had is matched,
    not replaced, so its row timestamps are the target's own and are left out."""
    out = set()
    for record in json.loads(dumpdata_json):
        if record["model"] in CONFIGURATION:
            for name in ("created_at", "updated_at"):
                record["fields"].pop(name, None)
        out.add(orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode())
    return out


def labels_of(corpus_set: Path) -> list[str]:
    return sorted({r["model"] for r in json.loads((corpus_set / "dumpdata.json").read_text())})


def assert_identical_but_for_restore_entries(corpus_set: Path, instance) -> None:
    """The restored instance holds exactly the old instance's records, plus the audit entries
    its own restores appended (their own and those of the role grants they made)."""
    dump = instance.run(
        "dumpdata", *labels_of(corpus_set), "--natural-foreign", "--natural-primary"
    ).stdout
    expected, actual = records((corpus_set / "dumpdata.json").read_text()), records(dump)
    assert not expected - actual, f"lost or changed: {sorted(expected - actual)[:3]}"
    added = [json.loads(r) for r in actual - expected]
    assert added and all(
        r["model"] == "audit.audittrail"
        and (
            r["fields"]["action"] == RESTORE_ENTRY or r["fields"]["details"].get("by") == "restore"
        )
        for r in added
    ), f"unexpected records: {added[:3]}"
    assert json.loads(instance.run("post_restore_health", "--json").stdout)["ok"]


def test_the_corpus_holds_a_set_per_release_with_every_package_kind():
    assert SETS, f"no corpus under {CORPUS}"
    for corpus_set in SETS:
        names = {path.name for path in corpus_set.iterdir()}
        assert {"full.tar.zst", "database.tar.gz", "export.tar.zst"} <= names
        assert {"full-encrypted.tar.zst.age", "passphrase.txt", "dumpdata.json"} <= names


@pytest.mark.parametrize("corpus_set", SETS, ids=[s.name for s in SETS])
@pytest.mark.parametrize(
    "package, options",
    [
        ("full.tar.zst", []),
        ("export.tar.zst", []),
        ("full-encrypted.tar.zst.age", ["--passphrase-file", "passphrase.txt"]),
    ],
)
def test_an_old_package_restores_onto_a_new_server(new_instance, corpus_set, package, options):
    """GIVEN a package written by an earlier release
    WHEN it is restored onto a freshly migrated installation of the current code
    THEN every record of the old instance is there, unchanged, and the health checks pass."""
    instance = new_instance("corpus")
    options = [str(corpus_set / o) if o.endswith(".txt") else o for o in options]

    result = instance.run(
        "restore_backup",
        "--from-file",
        str(corpus_set / package),
        *options,
        "--allow-privileged-changes",  # another server's accounts, its superuser among them
        "--json",
    )

    assert json.loads(result.stdout)["ok"]
    assert_identical_but_for_restore_entries(corpus_set, instance)


@pytest.mark.parametrize("corpus_set", SETS, ids=[s.name for s in SETS])
def test_an_old_database_package_restores_clean_over_its_files(new_instance, corpus_set):
    """GIVEN an installation restored from an old full package, then changed
    WHEN the old database-only package is restored with --clean
    THEN the records are back as they were, linked to the files already in storage."""
    instance = new_instance("corpus-db")
    instance.run(
        "restore_backup",
        "--from-file",
        str(corpus_set / "full.tar.zst"),
        "--allow-privileged-changes",
    )
    instance.run(
        "shell", "--no-imports", "-c",
        "from edms.documents.models import DocumentDependency; "
        "DocumentDependency.objects.all().delete()",
    )  # fmt: skip

    result = instance.run(
        "restore_backup",
        "--from-file",
        str(corpus_set / "database.tar.gz"),
        "--clean",
        "--allow-privileged-changes",
        "--json",
    )

    assert json.loads(result.stdout)["ok"]
    assert_identical_but_for_restore_entries(corpus_set, instance)
