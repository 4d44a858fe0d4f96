"""``python -m diversification`` runs the command line."""

from .cli import app

app(prog_name="diversification")
