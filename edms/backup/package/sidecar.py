"""The sidecar, ``<package>.metadata.json``: what a package is and what became of it (who made
it and why, its verification, a legal hold), readable without opening the package. The
sidecar, not a job row, is the record that survives a reinit; it is rewritten atomically."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from edms.backup.errors import CorruptPackage
from edms.backup.lock import this_runner
from edms.backup.package.manifest import SIDECAR_SUFFIX

MAX_BYTES = 1024 * 1024
PARTIAL = ".partial"


def partial_of(package: Path) -> Path:
    """The name this process writes the package's sidecar under before renaming it."""
    path = path_of(package)
    return path.with_name(f".{path.name}.{this_runner()}{PARTIAL}")


def dead_partials(directory: Path, runner_gone) -> list[Path]:
    """Sidecars a killed process was writing in `directory` (`runner_gone(runner)` judges)."""
    found = directory.glob(f".*{SIDECAR_SUFFIX}.*{PARTIAL}")
    return [p for p in found if runner_gone(p.name.removesuffix(PARTIAL).rsplit(".", 1)[-1])]


def path_of(package: Path) -> Path:
    return package.with_name(package.name + SIDECAR_SUFFIX)


def read(package: Path) -> dict:
    """The package's sidecar, or {} when it has none; CorruptPackage, naming the sidecar and
    what is wrong with it, when it is unreadable."""
    path = path_of(package)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _unreadable(path, f"larger than {MAX_BYTES} bytes")
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except orjson.JSONDecodeError as exc:
        raise _unreadable(path, f"not JSON ({exc})") from None
    except OSError as exc:
        raise _unreadable(path, exc.strerror or str(exc)) from None
    if not isinstance(data, dict):
        raise _unreadable(path, f"a JSON {type(data).__name__}, not an object")
    return data


def _unreadable(path: Path, reason: str) -> CorruptPackage:
    return CorruptPackage(f"sidecar unreadable: {path.name}: {reason}")


def write(package: Path, data: dict) -> Path:
    """Write the sidecar (mode 0600) under a temporary name, then rename it into place. The
    temporary name says which process writes it: if that one is killed, the next operation's
    start removes it (edms.backup.spool)."""
    path, partial = path_of(package), partial_of(package)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    partial.replace(path)
    return path


def update(package: Path, **changes) -> dict:
    """Merge `changes` into the sidecar and write it back; returns the new content."""
    data = {**read(package), **changes}
    write(package, data)
    return data
