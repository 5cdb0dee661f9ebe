"""Hypothesis strategies that damage bytes and JSON the way a bad disk or an attacker would,
the CI/long budgets, and the tally whose one-line summary docs/reliability.md quotes."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG = os.environ.get("EDMS_HARDENING_LONG") == "1"


def budget(ci_examples: int) -> settings:
    """A few hundred examples in CI (each fuzz test well under 20 s), a hundred times more
    with EDMS_HARDENING_LONG=1. No example database: nothing is written beside the tests."""
    return settings(
        max_examples=ci_examples * (100 if LONG else 1),
        deadline=None,
        database=None,
        derandomize=not LONG,  # the same examples in CI, so a failure reproduces
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def byte_mutations(draw, data: bytes, hot: int = 0) -> tuple[str, int, bytes]:
    """(kind, position, mutated `data`): a bit flip, a truncation, an insertion of random
    bytes or an overwrite. `hot` > 0 draws half the positions from the first `hot` bytes."""
    size = len(data)
    position = draw(
        st.integers(0, size - 1) | st.integers(0, min(hot, size) - 1)
        if hot
        else st.integers(0, size - 1)
    )
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "overwrite"]))
    if kind == "flip":
        bit = 1 << draw(st.integers(0, 7))
        return (
            kind,
            position,
            data[:position] + bytes([data[position] ^ bit]) + data[position + 1 :],
        )
    if kind == "truncate":
        return kind, position, data[:position]
    noise = draw(st.binary(min_size=1, max_size=64))
    if kind == "insert":
        return kind, position, data[:position] + noise + data[position:]
    return kind, position, data[:position] + noise + data[position + len(noise) :]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

labels = st.one_of(
    st.sampled_from(
        [
            "../../escaped",
            "/tmp/edms-fuzz-escaped",
            "documents.document/../../x",
            "documents.document",
            "Documents.Document",
            "auth.user",
            "contenttypes.contenttype",
            "a.b",
            ".",
            "..",
            "",
            "documents.document\x00",
            "x" * 300,
        ]
    ),
    st.text(alphabet="./\\abcdeu_-\x00", max_size=30),
    st.text(max_size=30),
)


@dataclass
class Tally:
    """What a fuzz target was given and how it answered."""

    target: str
    tried: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)

    def record(self, kind: str, error: BaseException | None) -> None:
        self.tried[kind] += 1
        if error is not None:
            self.refused[kind] += 1
            self.errors[type(error).__name__] += 1

    def summary(self) -> str:
        kinds = ", ".join(
            f"{kind} {self.refused[kind]}/{self.tried[kind]} refused" for kind in sorted(self.tried)
        )
        errors = ", ".join(f"{name} {count}" for name, count in self.errors.most_common())
        total = sum(self.tried.values())
        return f"fuzz {self.target}: {total} examples ({kinds}); errors: {errors or 'none'}"
