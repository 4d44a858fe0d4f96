"""``python -m diversification`` runs the command line."""

from diversification.run.cli import app

app(prog_name="diversification")
