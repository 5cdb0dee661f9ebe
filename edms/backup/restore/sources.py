"""What a restore reads from: our packages and, as older inputs, Django fixtures.

Every source gives the same thing: ``iter_models()`` yielding ``(label, records)`` in the
registry's dependency order, with records as ``dumpdata --natural-foreign --natural-primary``
writes them, ``iter_files()`` yielding verified-on-read stored files, and an optional manifest.
The format is recognised by its first bytes, never by the file name.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

import ijson
import orjson
from django.apps import apps

from edms.backup.digest import check_package_records
from edms.backup.errors import CorruptPackage, RecordTooLarge, UnsupportedFormat
from edms.backup.package.streams import max_record_bytes
from edms.backup.spool import Spool
from edms.core.registry import registry

GZIP_MAGIC = b"\x1f\x8b"
JSON_STARTS = (b"[", b"{")
LABEL = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
RECORD_START = re.compile(rb'\s*\{\s*"(model|pk|fields)"\s*:')


class Source(Protocol):
    kind: str
    manifest: dict | None

    def counts(self) -> dict[str, int]: ...
    def iter_models(self) -> Iterator[tuple[str, Iterator[dict]]]: ...
    def iter_files(self) -> Iterator[tuple[str, int, BinaryIO]]: ...
    def prove_records(self) -> None: ...


@contextmanager
def open_source(
    path: Path, passphrase: str | None = None, identity: str | None = None
) -> Iterator[Source]:
    """Open `path` as a package or a fixture, whichever its bytes say it is."""
    path = Path(path)
    if not path.is_file():
        raise UnsupportedFormat(f"{path} is not a file")
    if _fixture_head(path) is None:
        with _package(path, passphrase, identity) as source:
            yield source
        return
    with FixtureSource(path) as source:
        yield source


def _fixture_head(path: Path) -> bytes | None:
    """The first non-blank byte of a (possibly gzipped) JSON fixture, or None if not JSON."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    try:
        with _open_text(path, magic == GZIP_MAGIC) as f:
            head = f.read(4096).lstrip()[:1]
    except (OSError, EOFError, zlib.error):
        return None
    return head if head in JSON_STARTS else None


def _open_text(path: Path, gzipped: bool) -> BinaryIO:
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # noqa: SIM115


@contextmanager
def _package(path: Path, passphrase: str | None, identity: str | None) -> Iterator[Source]:
    from edms.backup.package.reader import open_package

    with open_package(path, passphrase=passphrase, identity=identity) as reader:
        yield PackageSource(reader)


class PackageSource:
    """Our backup package, through the package reader (which checks every member's hash)."""

    kind = "package"

    def __init__(self, reader) -> None:
        self._reader = reader
        self.manifest = reader.manifest

    def counts(self) -> dict[str, int]:
        return dict(self.manifest.get("record_counts", {}))

    def iter_models(self) -> Iterator[tuple[str, Iterator[dict]]]:
        for label, records in self._reader.iter_models():
            yield model_label(label, self._reader.path.name), records

    def iter_files(self) -> Iterator[tuple[str, int, BinaryIO]]:
        return self._reader.iter_files()

    def prove_records(self) -> None:
        """Before anything is written: the records, as stored, match the manifest's counts and
        content digest (member hashes alone can be recomputed by whoever edits a package)."""
        check_package_records(self._reader)


class FixtureSource:
    """A Django fixture (JSON array, JSON Lines, the seeds' wrapped ``{"metadata", "data"}``),
    plain or gzipped. Records are spooled per model to temporary JSON Lines files so they can be
    replayed in dependency order whatever order the fixture has, in constant memory."""

    kind = "fixture"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.manifest: dict | None = None
        self.metadata: dict | None = None
        self._stack = ExitStack()
        self._spool: dict[str, Path] = {}
        self._counts: dict[str, int] = {}

    def __enter__(self) -> FixtureSource:
        spool_dir = self._stack.enter_context(Spool()).path
        try:
            self._spool_records(spool_dir)
        except FIXTURE_ERRORS as exc:
            self._stack.close()
            raise CorruptPackage(f"{self.path.name} is not a readable JSON fixture: {exc}") from exc
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def iter_models(self) -> Iterator[tuple[str, Iterator[dict]]]:
        known = [entry.label for entry in registry.backed_up() if entry.label in self._spool]
        others = sorted(set(self._spool) - set(known))
        for label in known + others:
            yield label, self._replay(self._spool[label])

    def iter_files(self) -> Iterator[tuple[str, int, BinaryIO]]:
        return iter(())

    def prove_records(self) -> None:
        """A fixture carries no content digest: the restore's own checks are all it gets."""

    @staticmethod
    def _replay(path: Path) -> Iterator[dict]:
        with open(path, "rb") as f:
            for line in f:
                yield orjson.loads(line)

    def _spool_records(self, spool_dir: Path) -> None:
        """Spool files are numbered: a label from the fixture never becomes a file name."""
        writers: dict[str, BinaryIO] = {}
        try:
            for record in self._records():
                label = model_label(_model_of(record), self.path.name)
                if label not in writers:
                    self._spool[label] = spool_dir / f"{len(writers):03d}.jsonl"
                    writers[label] = open(self._spool[label], "wb")  # noqa: SIM115
                    self._counts[label] = 0
                writers[label].write(orjson.dumps(record) + b"\n")
                self._counts[label] += 1
        finally:
            for writer in writers.values():
                writer.close()

    def _records(self) -> Iterator[dict]:
        with open(self.path, "rb") as raw:
            gzipped = raw.read(2) == GZIP_MAGIC
        with _open_text(self.path, gzipped) as f:
            head = f.read(4096).lstrip()[:1]
            f.seek(0)
            if head == b"[":
                yield from ijson.items(f, "item", use_float=True)
                return
            first_line = f.readline(max_record_bytes() + 1)
            f.seek(0)
            if _is_record_line(first_line) or _starts_like_a_record(first_line):
                self.kind = "fixture (JSON Lines)"
                yield from self._json_lines(f)
                return
            self.kind = "wrapped fixture"
            yield from self._wrapped(f)

    def _json_lines(self, f: BinaryIO) -> Iterator[dict]:
        """One record per line, each read with a size limit so one huge line is refused
        before it is in memory."""
        limit = max_record_bytes()
        while line := f.readline(limit + 1):
            if len(line) > limit:
                model = _model_named_in(line)
                raise RecordTooLarge(
                    f"{self.path.name}: a record of {model} is longer than {limit} bytes, "
                    "the limit for one record (EDMS_MAX_RECORD_BYTES)"
                )
            if line.strip():
                yield orjson.loads(line)

    def _wrapped(self, f: BinaryIO) -> Iterator[dict]:
        """The seeds' format: ``{"metadata": {...}, "data": [...]}`` (or ``"fixture"``)."""
        found = False
        for prefix, event, value in ijson.parse(f, use_float=True):
            if prefix == "" and event == "map_key" and value in ("data", "fixture"):
                found = True
                break
        if not found:
            raise UnsupportedFormat(
                f"{self.path.name}: a JSON object without 'data' or 'fixture' records; expected a "
                "Django fixture, JSON Lines, or a wrapped fixture"
            )
        f.seek(0)
        self.metadata = next(ijson.items(f, "metadata", use_float=True), None)
        f.seek(0)
        yield from ijson.items(f, f"{value}.item", use_float=True)


FIXTURE_ERRORS = (
    ijson.JSONError,
    orjson.JSONDecodeError,
    EOFError,
    gzip.BadGzipFile,
    zlib.error,
    UnicodeDecodeError,
)


def _is_record_line(line: bytes) -> bool:
    if len(line) > max_record_bytes():
        return False  # not parsed: orjson would allocate several times the line to refuse it
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and "model" in value


def _model_of(record: object) -> str:
    if not isinstance(record, dict) or not isinstance(record.get("model"), str):
        raise CorruptPackage(f"not a fixture record: {_shown(record)}")
    if not isinstance(record.get("fields", {}), dict):
        raise CorruptPackage(f"record of {_shown(record['model'])} has no 'fields' object")
    return record["model"]


def model_label(label: str, source: str) -> str:
    """`label` as the lower-case ``app_label.model_name`` of an installed model, or refused:
    a label comes from the input, so it is checked before it is used for anything."""
    if not LABEL.fullmatch(label.lower()):
        raise CorruptPackage(f"{source}: {_shown(label)} is not a model label (app_label.model)")
    try:
        return apps.get_model(label)._meta.label_lower
    except LookupError:
        raise UnsupportedFormat(
            f"{source} holds records of {_shown(label)}, a model this EDMS does not have"
        ) from None


def _starts_like_a_record(line: bytes) -> bool:
    """A line too long to parse that opens like a dumpdata JSON Lines record."""
    return len(line) > max_record_bytes() and bool(RECORD_START.match(line))


def _model_named_in(line: bytes) -> str:
    """The model a too-long record line names near its start, for the error message."""
    found = re.search(rb'"model"\s*:\s*"([^"]{1,100})"', line[:4096])
    return _shown(found.group(1).decode("utf-8", "replace")) if found else "an unknown model"


def _shown(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
