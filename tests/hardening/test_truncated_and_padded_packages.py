"""A package cut short or carrying anything after its end is refused (issue 11, item 10):
by verification (the function and `verify_backup`) and by restore, with a message that says
the package is damaged or truncated, or has data after its end."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from edms.backup.errors import CorruptPackage
from edms.backup.restore.service import inspect, restore
from edms.backup.verify import verify_package
from tests.hardening.fuzz_inputs import (
    GZIP_PACKAGE,
    ZSTD_PACKAGE,
    member_after_end,
    tar_of,
    zstd,
)

CUT = "damaged or truncated package"
AFTER = "after the end of"


def _zstd_damages() -> dict[str, tuple[Callable[[bytes], bytes], str]]:
    damages = {f"cut {n} bytes": (lambda p, n=n: p[:-n], CUT) for n in (*range(1, 9), 64, 4096)}
    return {
        **damages,
        "cut to half": (lambda p: p[: len(p) // 2], CUT),
        "garbage appended": (lambda p: p + b"garbage", AFTER),
        "one zero byte appended": (lambda p: p + b"\0", AFTER),
        "random bytes appended": (lambda p: p + os.urandom(300), AFTER),
        "empty zstd frame appended": (lambda p: p + zstd(b""), AFTER),
        "zstd frame of zeros appended": (lambda p: p + zstd(bytes(10240)), AFTER),
        "zstd frame with a tar member appended": (
            lambda p: p + zstd(member_after_end(bytes(1024), 0)),
            AFTER,
        ),
        "tar member right after the end marker": (
            lambda p: zstd(member_after_end(tar_of(p), 1024)),
            AFTER,
        ),
        "tar member after the end marker's padding": (
            lambda p: zstd(member_after_end(tar_of(p), len(tar_of(p)) - _end(p))),
            AFTER,
        ),
        "tar without its end marker": (lambda p: zstd(tar_of(p)[: _end(p)]), "end-of-archive"),
    }


def _gzip_damages() -> dict[str, tuple[Callable[[bytes], bytes], str]]:
    damages = {f"cut {n} bytes": (lambda p, n=n: p[:-n], CUT) for n in (*range(1, 9), 64, 4096)}
    return {
        **damages,
        "garbage appended": (lambda p: p + b"garbage", AFTER),
        "zeros appended": (lambda p: p + bytes(512), AFTER),
        "second gzip member appended": (lambda p: p + gzip.compress(bytes(10240)), AFTER),
        "tar member after the end marker": (
            lambda p: gzip.compress(member_after_end(tar_of(p), 1024)),
            AFTER,
        ),
    }


def _end(package: bytes) -> int:
    from tests.hardening.fuzz_inputs import tar_end

    return tar_end(tar_of(package))


ZSTD_DAMAGES = _zstd_damages()
GZIP_DAMAGES = _gzip_damages()
CASES = [("zstd", name) for name in ZSTD_DAMAGES] + [("gzip", name) for name in GZIP_DAMAGES]


def _damaged(tmp_path: Path, compression: str, damage: str) -> tuple[Path, str]:
    original, damages = (
        (ZSTD_PACKAGE, ZSTD_DAMAGES) if compression == "zstd" else (GZIP_PACKAGE, GZIP_DAMAGES)
    )
    change, message = damages[damage]
    path = tmp_path / original.name  # without its sidecar: the package itself must tell
    path.write_bytes(change(original.read_bytes()))
    return path, message


@pytest.mark.django_db  # verify_backup first cleans up after dead runs
@pytest.mark.parametrize(("compression", "damage"), CASES)
def test_verification_refuses_a_cut_or_padded_package(tmp_path, compression, damage):
    """GIVEN a sound 0.1.0 package WHEN it is cut short or has bytes, a frame, a gzip member
    or a tar member added after its end THEN verify_package reports it corrupt (exit code 3)
    with a message saying so, and so does `verify_backup`."""
    path, message = _damaged(tmp_path, compression, damage)

    report = verify_package(path)

    assert not report.ok and report.exit_code == CorruptPackage.exit_code, report
    assert message in report.problems[0], report.problems
    with pytest.raises(CommandError, match=message) as refused:
        call_command("verify_backup", str(path))
    assert refused.value.returncode == CorruptPackage.exit_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("compression", "damage", "refused_on_upload"),
    [
        ("zstd", "cut 1 bytes", True),
        ("zstd", "cut 4096 bytes", True),
        ("zstd", "empty zstd frame appended", True),
        ("zstd", "tar member right after the end marker", False),
        ("gzip", "cut 1 bytes", False),
        ("gzip", "second gzip member appended", False),
        ("gzip", "tar member after the end marker", False),
    ],
)
def test_restore_refuses_a_cut_or_padded_package(
    tmp_path, storage_root, compression, damage, refused_on_upload
):
    """GIVEN a damaged package WHEN an operator restores it THEN CorruptPackage says what is
    wrong and nothing is restored. A zstd frame's extent is checked when the package is opened,
    so the upload check (inspect) refuses those already; the rest is found by reading on."""
    path, message = _damaged(tmp_path, compression, damage)

    with pytest.raises(CorruptPackage, match=message):
        restore(path, allow_privileged_changes=True)  # the corpus brings its own superuser

    if refused_on_upload:
        with pytest.raises(CorruptPackage, match=message):
            inspect(path)


@pytest.mark.parametrize("package", [ZSTD_PACKAGE, GZIP_PACKAGE], ids=["zstd", "gzip"])
def test_the_sound_packages_still_verify(package):
    """GIVEN the corpus packages as they are WHEN verified THEN they pass (the checks above
    refuse damage, not the format)."""
    assert verify_package(package).ok
