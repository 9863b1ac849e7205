"""``python -m lockgate`` runs the command line."""

from lockgate.cli.main import run

run()
