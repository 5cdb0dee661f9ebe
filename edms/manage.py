"""The `edms` command (also `python -m edms`): Django's manage.py with EDMS's front door.

Before Django runs a command: a bad environment variable is refused by name, the help lists
EDMS's own commands, and a command that needs an installation is refused where none exists.
"""

import os
import sys
from importlib.metadata import version


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edms.settings")
    import django
    from django.core.management import ManagementUtility

    from edms.core import guard
    from edms.core.env import BadVariable
    from edms.core.overview import overview

    argv = list(sys.argv if argv is None else argv)
    if argv[0].endswith("__main__.py"):
        argv[0] = "python -m edms"  # what the usage lines should tell the user to type
    prog = os.path.basename(argv[0])
    try:
        django.setup()
    except BadVariable as error:
        sys.exit(f"edms: {error}")

    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("help", [])
    if command in ("help", "-h", "--help") and not args:
        print(overview(prog))
    elif command == "django-help":
        print(ManagementUtility([argv[0], "help"]).main_help_text())
    elif command in ("version", "--version"):
        print(f"edms {version('edms')} (Django {django.get_version()})")
    elif reason := guard.refusal(command, args):
        sys.exit(reason)
    else:
        ManagementUtility(argv).execute()


if __name__ == "__main__":
    main()
