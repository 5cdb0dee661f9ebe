"""What a restore reads from: our packages and, as older inputs, Django fixtures.

Every source gives the same thing: ``iter_models()`` yielding ``(label, records)`` in the
registry's dependency order, with records as ``dumpdata --natural-foreign --natural-primary``
writes them, ``iter_files()`` yielding verified-on-read stored files, and an optional manifest.
The format is recognised by its first bytes, never by the file name.
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

import ijson
import orjson

from edms.backup.errors import CorruptPackage, UnsupportedFormat
from edms.core.registry import registry

GZIP_MAGIC = b"\x1f\x8b"
JSON_STARTS = (b"[", b"{")


class Source(Protocol):
    kind: str
    manifest: dict | None

    def counts(self) -> dict[str, int]: ...
    def iter_models(self) -> Iterator[tuple[str, Iterator[dict]]]: ...
    def iter_files(self) -> Iterator[tuple[str, int, BinaryIO]]: ...


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
    except (OSError, EOFError, gzip.BadGzipFile):
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
        return self._reader.iter_models()

    def iter_files(self) -> Iterator[tuple[str, int, BinaryIO]]:
        return self._reader.iter_files()


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
        spool_dir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="edms-")))
        try:
            self._spool_records(spool_dir)
        except (ijson.JSONError, orjson.JSONDecodeError, EOFError, gzip.BadGzipFile) as exc:
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

    @staticmethod
    def _replay(path: Path) -> Iterator[dict]:
        with open(path, "rb") as f:
            for line in f:
                yield orjson.loads(line)

    def _spool_records(self, spool_dir: Path) -> None:
        writers: dict[str, BinaryIO] = {}
        try:
            for record in self._records():
                label = _label_of(record)
                if label not in writers:
                    self._spool[label] = spool_dir / f"{label}.jsonl"
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
            first_line = f.readline()
            f.seek(0)
            if _is_record_line(first_line):
                self.kind = "fixture (JSON Lines)"
                yield from (orjson.loads(line) for line in f if line.strip())
                return
            self.kind = "wrapped fixture"
            yield from self._wrapped(f)

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


def _is_record_line(line: bytes) -> bool:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and "model" in value


def _label_of(record: object) -> str:
    if not isinstance(record, dict) or not isinstance(record.get("model"), str):
        raise CorruptPackage(f"not a fixture record: {str(record)[:200]}")
    if not isinstance(record.get("fields", {}), dict):
        raise CorruptPackage(f"record of {record['model']} has no 'fields' object")
    return record["model"].lower()
