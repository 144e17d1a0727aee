"""`python -m ibigraph` runs the CLI."""

from .cli import app

app(prog_name="ibigraph")
