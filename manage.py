#!/usr/bin/env python
"""Django's command-line utility (on a fresh machine: `python3 dev.py manage COMMAND ...`, which makes .venv)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
        sys.stdout.flush()  # here, where a closed pipe is caught, not in the interpreter's flush at exit
    except BrokenPipeError:
        # The reader went away (`flag_feed ... --jsonl | head`): stop quietly, as a tool killed by SIGPIPE does.
        # stdout now points nowhere, so the interpreter's flush at exit cannot raise the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)


if __name__ == "__main__":
    main()
