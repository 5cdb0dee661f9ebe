"""Fuzzing the readers (issue 11, item 11): whatever a damaged or crafted package, fixture or
manifest holds, reading it ends in one of our own error types (a clear message, an exit code,
a 4xx), never another exception, and nothing is written outside the reader's temporary area.

Each test prints one line of figures (examples per kind of damage, how many were refused,
by which error). CI runs a few hundred examples per target; EDMS_HARDENING_LONG=1 a hundred
times more."""

from __future__ import annotations

import copy
import gzip
import io
import shutil
import tarfile
import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edms.backup.package.manifest import validate
from edms.backup.restore.sources import open_source
from edms.backup.verify import verify_package
from edms.core.errors import EdmsError
from tests.backup.packages import build_package
from tests.hardening.fuzz_inputs import FIXTURE, GZIP_PACKAGE, ZSTD_PACKAGE, tar_of, zstd
from tests.hardening.fuzz_mutations import (
    Tally,
    budget,
    byte_mutations,
    json_values,
    labels,
)

ZSTD_BYTES = ZSTD_PACKAGE.read_bytes()
GZIP_BYTES = GZIP_PACKAGE.read_bytes()
TAR = tar_of(ZSTD_BYTES)


def _members(tar: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return {info.name: archive.extractfile(info).read() for info in archive.getmembers()}


MEMBERS = _members(TAR)
MANIFEST = orjson.loads(MEMBERS.pop("manifest.json"))
RECORDS = [name for name in MEMBERS if name.startswith("records/")]
FIXTURE_RECORDS = orjson.loads(FIXTURE.read_bytes())[:40]


class Area:
    """Where a fuzz example may write: the input, an extraction folder, and the temporary
    directory (tempfile's, pointed here). After each example only the input may remain."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.extract, self.temp = root, root / "extract", root / "temp"
        self.temp.mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(self.temp))

    def input(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path

    def check_and_clear(self, source: Path, extracted_ok: bool) -> None:
        left = sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*"))
        extracted = [p for p in left if p.startswith("extract/")]
        assert all(len(Path(p).name) == 64 for p in extracted), extracted
        assert extracted_ok or not extracted, f"a refused package left {extracted}"
        assert set(left) - set(extracted) <= {source.name, "extract", "temp"}, left
        assert not list(self.temp.iterdir()), "the temporary area was not cleaned up"
        assert not list(Path("/tmp").glob("edms-fuzz-escaped*"))
        shutil.rmtree(self.extract, ignore_errors=True)
        source.unlink()


@pytest.fixture
def area(tmp_path, monkeypatch) -> Area:
    return Area(tmp_path, monkeypatch)


def _restore_read(path: Path, extract: Path) -> None:
    """Everything a restore reads: the records of every model, then the stored files."""
    with open_source(path) as source:
        for _label, records in source.iter_models():
            for _record in records:
                pass
        if source.kind == "package":
            source._reader.extract_files(extract)


def _attempt(path: Path, area: Area) -> EdmsError | None:
    """Read `path` as a restore and as verification would; any non-EDMS exception fails."""
    error = None
    try:
        _restore_read(path, area.extract)
    except EdmsError as exc:
        error = exc
    report = verify_package(path)
    assert not (report.ok and error is not None and path.name.endswith(".tar.zst")), (
        f"verification passed a package the reader refused: {error}"
    )
    area.check_and_clear(path, error is None)
    return error


def _run(tally: Tally, capsys, test) -> None:
    test()
    with capsys.disabled():
        print("\n" + tally.summary())


# -- packages ----------------------------------------------------------------------------------


TARS = {"zstd": TAR, "gzip": tar_of(GZIP_BYTES)}


def test_damaged_package_bytes_are_refused_with_our_errors(area, capsys):
    """GIVEN the 0.1.0 zstd and gzip packages WHEN a bit is flipped, the file cut, random
    bytes inserted or overwritten anywhere (half the time in the first 512 bytes)
    THEN reading and verifying end in an EDMS error or succeed, and write nothing outside;
    every cut is refused, and a flip only passes where it changes nothing that is unpacked
    (gzip's header time or flags, a redundant bit of a zstd table)."""
    tally = Tally("package bytes")

    @budget(300)
    @given(
        st.sampled_from(["zstd", "gzip"]).flatmap(
            lambda kind: st.tuples(
                st.just(kind),
                byte_mutations(ZSTD_BYTES if kind == "zstd" else GZIP_BYTES, hot=512),
            )
        )
    )
    def fuzz(case):
        compression, (kind, position, data) = case
        suffix = ".tar.zst" if compression == "zstd" else ".tar.gz"
        error = _attempt(area.input("package" + suffix, data), area)
        tally.record(f"{compression} {kind}", error)
        if kind in ("truncate", "flip") and error is None:
            assert tar_of(data) == TARS[compression], f"{kind} at byte {position} not detected"

    _run(tally, capsys, fuzz)


def test_damaged_tar_streams_are_refused_with_our_errors(area, capsys):
    """GIVEN the tar stream inside the zstd package WHEN it is damaged (half the time in its
    first 4 KiB: the headers and the manifest) and recompressed, so the compression's own
    checksum cannot notice THEN reading ends in an EDMS error or succeeds."""
    tally = Tally("tar stream")

    @budget(300)
    @given(byte_mutations(TAR, hot=4096))
    def fuzz(case):
        kind, _position, tar = case
        tally.record(kind, _attempt(area.input("package.tar.zst", zstd(tar)), area))

    _run(tally, capsys, fuzz)


@st.composite
def manifests(draw) -> tuple[str, dict]:
    """A structurally mutated manifest: a key set to any JSON, removed or added; a member's
    name, size, sha256 or count changed; a member added, dropped or moved."""
    manifest = copy.deepcopy(MANIFEST)
    members = manifest["members"]
    kind = draw(st.sampled_from(["key", "drop key", "member field", "member", "order"]))
    if kind == "key":
        manifest[draw(st.sampled_from(sorted(manifest)) | st.text(max_size=8))] = draw(json_values)
    elif kind == "drop key":
        manifest.pop(draw(st.sampled_from(sorted(manifest))))
    elif kind == "member field":
        entry = draw(st.sampled_from(members))
        name = draw(st.sampled_from(["name", "size", "sha256", "records"]))
        entry[name] = draw(
            json_values
            | st.integers(-2, 2**40)
            | labels
            | labels.map(lambda label: f"records/001-{label}.jsonl")
        )
    elif kind == "member":
        index = draw(st.integers(0, len(members) - 1))
        if draw(st.booleans()):
            members.pop(index)
        else:
            members.insert(index, draw(json_values | st.just(copy.deepcopy(members[index]))))
    else:
        manifest["members"] = draw(st.permutations(members))
    return kind, manifest


def test_mutated_manifests_are_refused_with_our_errors(capsys):
    """GIVEN the manifest of a real package WHEN its structure is mutated THEN the manifest
    parser accepts it or raises an EDMS error naming what is wrong."""
    tally = Tally("manifest parser")

    @budget(2000)
    @given(manifests() | json_values.map(lambda value: ("any JSON", value)))
    def fuzz(case):
        kind, manifest = case
        try:
            validate(manifest)
        except EdmsError as exc:
            tally.record(kind, exc)
        else:
            tally.record(kind, None)

    _run(tally, capsys, fuzz)


def test_packages_with_mutated_manifests_and_records_are_refused(area, capsys):
    """GIVEN a real package rebuilt with a mutated manifest, or with one record line replaced
    by other JSON (its checksum updated, so the line itself must be checked)
    THEN reading and verifying end in an EDMS error or succeed, and write nothing outside."""
    tally = Tally("package structure")

    @budget(200)
    @given(manifests() | records_changes())
    def fuzz(case):
        kind, (manifest, members) = case if kind_is_records(case) else (case[0], (case[1], MEMBERS))
        path = build_package(area.root / "package.tar.zst", manifest, list(members.items()))
        tally.record(kind, _attempt(path, area))

    _run(tally, capsys, fuzz)


def kind_is_records(case) -> bool:
    return case[0] == "record line"


@st.composite
def records_changes(draw) -> tuple[str, tuple[dict, dict[str, bytes]]]:
    name = draw(st.sampled_from(RECORDS))
    lines = MEMBERS[name].splitlines() or [b"{}"]
    index = draw(st.integers(0, len(lines) - 1))
    record = orjson.loads(lines[index])
    change = draw(st.sampled_from(["model", "fields", "pk", "whole"]))
    if change == "whole":
        record = draw(json_values)
    else:
        record[change] = draw(labels if change == "model" else json_values)
    lines[index] = orjson.dumps(record)
    members = {**MEMBERS, name: b"\n".join(lines) + b"\n"}
    manifest = copy.deepcopy(MANIFEST)
    for entry in manifest["members"]:
        if entry["name"] == name:
            import hashlib

            entry["size"] = len(members[name])
            entry["sha256"] = hashlib.sha256(members[name]).hexdigest()
    return "record line", (manifest, members)


# -- fixtures ------------------------------------------------------------------------------------


def _fixture_bytes(records: list, form: str) -> bytes:
    if form.startswith("jsonl"):
        data = b"".join(orjson.dumps(record) + b"\n" for record in records)
    elif form.startswith("wrapped"):
        data = orjson.dumps({"metadata": {"backup_type": "database"}, "data": records})
    else:
        data = orjson.dumps(records)
    return gzip.compress(data, mtime=0) if form.endswith(".gz") else data


@st.composite
def fixtures(draw) -> tuple[str, bytes]:
    """A dumpdata fixture (JSON, JSON Lines, wrapped; plain or gzipped) with one record's
    model, fields or whole self replaced, or its bytes damaged."""
    form = draw(st.sampled_from(["json", "json.gz", "jsonl", "jsonl.gz", "wrapped", "wrapped.gz"]))
    records = copy.deepcopy(FIXTURE_RECORDS)
    index = draw(st.integers(0, len(records) - 1))
    change = draw(st.sampled_from(["model", "fields", "whole", "bytes"]))
    if change == "model":
        records[index]["model"] = draw(labels)
    elif change == "fields":
        records[index]["fields"] = draw(json_values)
    elif change == "whole":
        records[index] = draw(json_values)
    data = _fixture_bytes(records, form)
    if change == "bytes":
        change, _position, data = draw(byte_mutations(data, hot=1024))
    return f"{form} {change}", data


def test_mutated_fixtures_are_refused_with_our_errors(area, capsys):
    """GIVEN a real dumpdata fixture WHEN a record's model becomes a path or any text, its
    fields any JSON, or the file's bytes are damaged THEN opening and reading it as a restore
    does ends in an EDMS error or succeeds, and no file appears outside the temporary area."""
    tally = Tally("fixture reader")

    @budget(300)
    @given(fixtures())
    def fuzz(case):
        kind, data = case
        tally.record(kind.split()[-1], _attempt(area.input("fixture.json", data), area))

    _run(tally, capsys, fuzz)
