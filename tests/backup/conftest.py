"""Fixtures for backup tests: demo instances on the command line, packages made in-process."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

DEMO_PASSWORD = "demo-" + os.urandom(6).hex()


@pytest.fixture
def demo_instance(new_instance):
    """A fresh migrated EDMS installation with demo data loaded through the lifecycle."""

    def make(documents: int = 12, name: str = "demo"):
        instance = new_instance(name)
        instance.run("load_demo_data", "--documents", str(documents), "--password", DEMO_PASSWORD)
        return instance

    return make


def run_json(instance, *args: str, check: bool = True):
    """Run an edms command with --json and return (exit code, parsed stdout)."""
    result = instance.run(*args, "--json", check=check)
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else None


@pytest.fixture
def big_file_document(people, storage_root):
    """An effective SOP whose version file is 256 KiB of random bytes (incompressible)."""
    from django.utils import timezone

    from edms.documents import lifecycle

    doc = lifecycle.create_document(people["author"], document_type="SOP", title="Random data")
    content = os.urandom(256 * 1024)
    lifecycle.upload_version(people["author"], doc, io.BytesIO(content), "random.bin")
    lifecycle.submit_for_review(people["author"], doc, people["reviewer"])
    lifecycle.review(people["reviewer"], doc, accept=True)
    lifecycle.approve(people["approver"], doc, effective_date=timezone.localdate())
    return content


@pytest.fixture
def full_package(big_file_document, effective_document, settings) -> Path:
    """A verified full backup of two effective documents, written in this process."""
    from edms.backup.operations.jobs import run_backup

    job = run_backup("full", verify=True)
    return Path(job.path)
