"""`edms load_demo_data`: a realistic instance made through the lifecycle service."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from edms.documents.demo import MIN_USERS, DemoDataError, DemoResult, load_demo_data


class Command(BaseCommand):
    help = (
        "Create demo users (the admin included) with roles and demo documents in every lifecycle "
        "state, with version files, workflows and audit entries. Refuses an instance that "
        "already has documents unless --append is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=7, help=f"users in all (>= {MIN_USERS})")
        parser.add_argument("--documents", type=int, default=4, help="documents to create")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
        parser.add_argument(
            "--password",
            help="password of every demo user (default: EDMS_ADMIN_PASSWORD or "
            "generated and printed)",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="add to an instance that already has documents (existing users are reused)",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        progress = Progress(
            *Progress.get_default_columns()[:1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            disable=not sys.stderr.isatty(),
        )
        with progress:
            task = progress.add_task("Demo documents", total=options["documents"])
            try:
                result = load_demo_data(
                    users=options["users"],
                    documents=options["documents"],
                    seed=options["seed"],
                    password=options["password"],
                    append=options["append"],
                    on_document=lambda: progress.advance(task),
                )
            except DemoDataError as error:
                raise CommandError(str(error)) from error
        self._report(result, time.monotonic() - started)

    def _report(self, result: DemoResult, seconds: float) -> None:
        self.stdout.write(
            f"Demo data loaded: {result.users_created} users and {result.documents_created} "
            f"documents created (seed {result.seed}) in {seconds:.1f} s."
        )
        # A generated password exists nowhere else: show it. A given one is not echoed.
        password = (
            result.password
            if result.password_generated
            else "(the one given by --password or EDMS_ADMIN_PASSWORD)"
        )
        if result.admin_created:
            self.stdout.write(f"Admin login: admin / {password}")
        else:
            self.stdout.write("The admin account already existed; its password is unchanged.")
        if result.users_created > int(result.admin_created):
            self.stdout.write(
                f"New demo users (author01, reviewer01, …) have the password {password}"
            )
