#!/usr/bin/env python
"""Django's command-line utility (on a fresh machine: `python3 dev.py manage COMMAND ...`, which makes .venv)."""

import os
import sys

# Set by dev.py for the process it starts, and removed here so that runserver's or a worker's children miss it.
DEV_PY_MANAGE = "DEV_PY_MANAGE"
DEV_PY_PROG = "python3 dev.py manage"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv
    if os.environ.pop(DEV_PY_MANAGE, ""):
        # Started by `python3 dev.py manage`: usage lines and help name the form that works on a fresh machine.
        argv = [DEV_PY_PROG, *argv[1:]]
    try:
        execute_from_command_line(argv)
        sys.stdout.flush()  # here, where a closed pipe is caught, not in the interpreter's flush at exit
    except BrokenPipeError:
        # The reader went away (`flag_feed ... --jsonl | head`): stop quietly, as a tool killed by SIGPIPE does.
        # stdout now points nowhere, so the interpreter's flush at exit cannot raise the same error again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)


if __name__ == "__main__":
    main()
