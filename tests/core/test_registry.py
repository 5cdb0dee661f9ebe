"""The registry declares every installed model, and the system checks say so loudly when one is
missing (edms/core/checks.py runs them at `edms check` and before every command)."""

from __future__ import annotations

import pytest
from django.db import models
from django.test.utils import isolate_apps

from edms.core.checks import registry_errors
from edms.core.registry import BackupRole, ModelEntry, Registry, StoredFile, registry


def _reported(checked: Registry) -> list[tuple[str, str]]:
    return [(error.id, error.msg) for error in registry_errors(checked)]


def test_every_installed_model_is_declared_and_every_declaration_is_sound():
    """GIVEN the installed apps WHEN the registry is checked
    THEN no model is undeclared, nothing declared is missing, and every declaration is sound."""
    assert _reported(registry) == []
    for entry in registry.entries.values():
        assert entry.backed_up or entry.reason.strip(), entry.label


@pytest.mark.django_db
def test_natural_key_paths_and_file_fields_resolve_in_the_database():
    """GIVEN every backed-up model WHEN its natural key paths and file fields are queried
    THEN the database answers (the paths are real lookups, not just names)."""
    for entry in registry.backed_up():
        list(entry.model.objects.values_list(*entry.natural_key)[:1])
        for stored in entry.files:
            fields = (stored.path_field, stored.sha256_field, stored.size_field)
            list(entry.model.objects.values_list(*fields)[:1])


def test_backed_up_models_keep_their_own_timestamps():
    """GIVEN the backed-up models THEN none sets a time on save (auto_now / auto_now_add),
    so a restore keeps the original times."""
    for entry in registry.backed_up():
        for field in entry.model._meta.concrete_fields:
            assert not getattr(field, "auto_now", False), f"{entry.label}.{field.name}"
            assert not getattr(field, "auto_now_add", False), f"{entry.label}.{field.name}"


def test_backed_up_entries_come_after_what_they_point_to():
    """GIVEN the backed-up entries in dependency order THEN documents follow their types and
    users, versions follow documents, and audit entries follow users."""
    order = [entry.label for entry in registry.backed_up()]
    assert order.index("documents.documenttype") < order.index("documents.document")
    assert order.index("accounts.user") < order.index("documents.document")
    assert order.index("documents.document") < order.index("documents.documentversion")
    assert order.index("accounts.user") < order.index("audit.audittrail")


@isolate_apps("tests.core")
def test_an_undeclared_model_and_its_many_to_many_table_are_reported():
    """GIVEN a concrete model nobody declared, with a many-to-many field WHEN the registry is
    checked against it THEN the model and the table Django made for the field are both named;
    once the model is declared, its table is covered by that declaration."""

    class Gadget(models.Model):
        name = models.CharField(max_length=10)
        parts = models.ManyToManyField("self")

        class Meta:
            app_label = "core_tests"

        def __str__(self) -> str:
            return self.name

    installed = [Gadget, Gadget.parts.through]
    assert registry.undeclared(installed) == ["core_tests.gadget", "core_tests.gadget_parts"]
    declared = _with(ModelEntry("core_tests.gadget", "documents", BackupRole.BUSINESS, ("name",)))
    assert declared.undeclared(installed) == []


def _with(*extra: ModelEntry) -> Registry:
    from edms.core.registry import _declarations

    return Registry(lambda: [*_declarations(), *extra])


def test_a_declared_model_that_is_not_installed_is_reported():
    """GIVEN a declaration for a model that does not exist THEN it is reported."""
    ghost = ModelEntry("ghosts.ghost", "documents", BackupRole.BUSINESS, ("name",))
    problems = [(e.obj, e.msg) for e in registry_errors(_with(ghost)) if e.id == "edms.E002"]
    assert problems == [("ghosts.ghost", "declared but not installed")]


def test_bad_natural_key_paths_missing_file_fields_and_silent_exclusions_are_reported():
    """GIVEN declarations with a wrong key path, a missing file field and an exclusion without
    a reason THEN each is reported with the model it concerns."""
    faulty = Registry(
        lambda: [
            ModelEntry(
                "documents.documentversion",
                "documents",
                BackupRole.BUSINESS,
                ("document__number", "version_number"),
                files=(StoredFile("file", "sha512", "size"),),
            ),
            ModelEntry("documents.placeholder", "configuration", BackupRole.EXCLUDED, ("token",)),
        ]
    )
    problems = [(e.obj, e.msg) for e in registry_errors(faulty) if e.id == "edms.E002"]
    assert problems == [
        ("documents.documentversion", "natural key path 'document__number' does not resolve"),
        ("documents.documentversion", "file field 'sha512' does not exist"),
        ("documents.placeholder", "excluded without a reason"),
    ]


def test_dependency_order_is_the_same_in_every_process():
    """GIVEN two processes with different string hashing WHEN each asks for the backup order
    THEN both get the same order, so plans, packages and reports list models identically."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup();"
        "from edms.core.registry import registry;"
        "print(' '.join(e.label for e in registry.backed_up()))"
    )
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(orders) == 1, orders
