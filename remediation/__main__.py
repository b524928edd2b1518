"""``python -m remediation COMMAND``: the command line (:mod:`remediation.cli`)."""

from remediation.cli.commands import main

if __name__ == "__main__":
    raise SystemExit(main())
