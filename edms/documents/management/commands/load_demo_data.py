"""`edms load_demo_data`: a realistic instance made through the lifecycle service."""

from __future__ import annotations

import dataclasses
import itertools
import time

from edms.core.command import EdmsCommand
from edms.documents.demo import MIN_USERS, load_demo_data


class Command(EdmsCommand):
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

    def run(self, **options) -> dict:
        started = time.monotonic()
        done = itertools.count(1)
        with self.progress() as progress:
            result = load_demo_data(
                users=options["users"],
                documents=options["documents"],
                seed=options["seed"],
                password=options["password"],
                append=options["append"],
                on_document=lambda: progress("documents", next(done), options["documents"]),
            )
        loaded = dataclasses.asdict(result) | {"seconds": round(time.monotonic() - started, 1)}
        if not result.password_generated:  # a generated one exists nowhere else: shown
            loaded["password"] = None  # a given one is not echoed
        return loaded

    def render(self, loaded: dict) -> None:
        self.stdout.write(
            f"Demo data loaded: {loaded['users_created']} users and "
            f"{loaded['documents_created']} documents created (seed {loaded['seed']}) "
            f"in {loaded['seconds']:.1f} s."
        )
        password = loaded["password"] or "(the one given by --password or EDMS_ADMIN_PASSWORD)"
        if loaded["admin_created"]:
            self.stdout.write(f"Admin login: admin / {password}")
        else:
            self.stdout.write("The admin account already existed; its password is unchanged.")
        if loaded["users_created"] > int(loaded["admin_created"]):
            self.stdout.write(
                f"New demo users (author01, reviewer01, …) have the password {password}"
            )
