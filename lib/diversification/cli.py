"""Command line: ``diversification etude``, ``valider``, ``exemples``. All messages in French."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from .errors import KitError
from .paths import DEFAULT_TERRITORY, REPORTS_DIR, TERRITOIRES_DIR

app = typer.Typer(
    help="Kit « Diversification des segments d'achats » : étude de diversification des clauses sociales.",
    add_completion=False,
    no_args_is_help=True,
)
# Wide enough for the tables when the output is a file or a CI log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]Erreur :[/] {message}")
    raise typer.Exit(code)


@app.command("etude")
def etude(
    territoire: Path = typer.Option(TERRITOIRES_DIR / DEFAULT_TERRITORY, "--territoire", "-t",
                                    help="Dossier du territoire (avec territoire.yaml)."),
    annee: int = typer.Option(None, "--annee", "-a", help="Année étudiée (par défaut : celle de la configuration)."),
    rapports: Path = typer.Option(REPORTS_DIR, "--rapports", help="Dossier où écrire les runs."),
) -> None:
    """Exécute l'étude complète (notebooks 00 → 10) dans un nouveau dossier de run."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .runner import STATUS_DONE, run_study

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False, disable=not sys.stdout.isatty()) as progress:
        task = progress.add_task("Étude", total=None)

        def on_notebook(name, title, index, total):
            progress.update(task, total=total, completed=index, description=f"{name} — {title}")
            if not sys.stdout.isatty():
                console.print(f"[{index + 1}/{total}] {name} — {title}")

        try:
            result = run_study(territoire, annee, reports_dir=rapports, on_notebook=on_notebook)
        except KitError as exc:
            _fail(str(exc))
        progress.update(task, completed=progress.tasks[0].total or 0)
    if result.status != STATUS_DONE:
        _fail(result.message + f"\nDossier du run (statut « échec ») : {result.run_dir}", code=1)
    console.print(f"Étude terminée. Rapport : {result.run_dir}")


@app.command("valider")
def valider(
    territoire: Path = typer.Option(..., "--territoire", "-t", help="Dossier du territoire à contrôler."),
) -> None:
    """Contrôle seulement les fichiers du territoire (contrôles du notebook 00), sans rien écrire."""
    from .quality import check_territory

    try:
        check = check_territory(territoire)
    except KitError as exc:
        _fail(str(exc))
    table = Table(title=f"Contrôle des données — {check.data.config.nom}")
    for column in check.synthese.columns:
        table.add_column(str(column))
    for _, row in check.synthese.iterrows():
        table.add_row(*[str(v) for v in row])
    console.print(table)
    if not check.motifs.empty:
        motifs = Table(title="Lignes rejetées ou valeurs signalées, par motif")
        for column in check.motifs.columns:
            motifs.add_column(str(column))
        for _, row in check.motifs.iterrows():
            motifs.add_row(*[str(v) for v in row])
        console.print(motifs)
    for warning in check.avertissements:
        console.print(f"[yellow]Attention :[/] {warning}")
    blocking = [w for w in check.avertissements if "obligatoire" in w or "illisible" in w]
    if blocking:
        raise typer.Exit(1)
    console.print("Contrôle terminé.")


@app.command("exemples")
def exemples(
    dossier: Path = typer.Option(TERRITOIRES_DIR, "--dossier", help="Dossier où écrire les territoires d'exemple."),
) -> None:
    """Régénère les territoires d'exemple (fictifs, déterministes)."""
    from .samples import generate_all

    for path in generate_all(dossier):
        console.print(f"Territoire écrit : {path}")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
