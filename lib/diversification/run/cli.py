"""Command line: ``diversification etude``, ``lot``, ``valider``, ``nouveau``, ``corrige``, ``formation``, ``comparer``,
``exemples``.
All messages in French."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from diversification.indicators import peer_cache
from diversification.inputs import formatting
from diversification.inputs.config import year_problem
from diversification.inputs.errors import KitError
from diversification.inputs.parameters import parse_assignment
from diversification.inputs.paths import DEFAULT_TERRITORY, EXAMPLES_DIR, NOTEBOOKS_DIR, REPORTS_DIR, TERRITOIRES_DIR
from diversification.inputs.quality import check_territory, reject_messages
from diversification.inputs.samples import generate_all
from diversification.publish.training_guide import GUIDE_DIR
from diversification.publish.report import (
    compare_runs, phases_done, phases_not_done, study_completeness, STUDY_INCOMPLETE,
)
from diversification.run.batch import find_territories, run_batch, STATUS_SKIPPED
from diversification.run.cli_francais import FrenchCommand, FrenchGroup
from diversification.run.engine import quiet_kernel_warnings
from diversification.run.runner import run_study, STATUS_DONE
from diversification.run.scaffold import create_territory, README_NAME, TEMPLATES_DIR
from diversification.run.training import answer_key, write_training_guide
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
import datetime as dt
import json


app = typer.Typer(
    help="Kit « Diversification des segments d'achats » : étude de diversification des clauses sociales.",
    add_completion=False,
    no_args_is_help=True,
    cls=FrenchGroup,
)
# Wide enough for the tables when the output is a file or a CI log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


#: Exit statuses of ``etude`` and ``lot`` (README, « Codes de sortie »).
EXIT_COMPLETE = 0  # étude complète : chaque phase réalisée, au moins en partie
EXIT_FAILED = 1  # étude en échec : un notebook a échoué (ou un territoire du lot)
EXIT_REFUSED = 2  # commande refusée avant l'étude : option, configuration ou dossier invalide
EXIT_INCOMPLETE = 3  # étude incomplète : terminée, mais au moins une phase non réalisée faute de données


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]Erreur :[/] {message}")
    raise typer.Exit(code)


MOTEUR_HELP = "Moteur d'exécution : « noyau » (noyaux Python gardés vivants d'un notebook à l'autre, par défaut) ou « papermill » (un noyau neuf par notebook, l'un après l'autre : chemin de référence)."
NOYAUX_HELP = ("Noyaux Python de l'étude (moteur « noyau ») : à partir de 2, les phases indépendantes s'exécutent "
               "en même temps, chacune après celles dont elle lit les résultats. Par défaut : 2, ou 1 sur une machine à un cœur.")
PARAMETRE_HELP = ("Paramètre d'une phase, NOM=VALEUR (option répétable) : seuil_indice=0,9 (phase 02), top_n=6 ou "
                  "graine=7 (phase 04). Un paramètre inconnu ou d'un mauvais type est refusé avant toute exécution.")


@app.command("etude", cls=FrenchCommand)
def etude(
    territoire: Path = typer.Option(TERRITOIRES_DIR / DEFAULT_TERRITORY, "--territoire", "-t",
                                    help="Dossier du territoire (avec territoire.yaml)."),
    annee: int = typer.Option(None, "--annee", "-a", help="Année étudiée (par défaut : celle de la configuration)."),
    rapports: Path = typer.Option(REPORTS_DIR, "--rapports", help="Dossier où écrire les runs."),
    moteur: str = typer.Option("noyau", "--moteur", help=MOTEUR_HELP),
    noyaux: int = typer.Option(None, "--noyaux", help=NOYAUX_HELP),
    parametre: list[str] = typer.Option(None, "--parametre", "-p", metavar="NOM=VALEUR", help=PARAMETRE_HELP),
    notebooks: Path = typer.Option(NOTEBOOKS_DIR, "--notebooks", hidden=True,
                                   help="Dossier des notebooks de phase (tests)."),
) -> None:
    """Exécute l'étude complète (notebooks 00 → 10) dans un nouveau dossier de run.

    Codes de sortie : 0 = étude complète (chaque phase réalisée, au moins en partie) ; 3 = étude incomplète
    (terminée, mais au moins une phase non réalisée faute des données qu'elle demande : elle ne publie ni
    classement, ni élément retenu, ni recommandation) ; 1 = étude en échec (un notebook a échoué) ; 2 = commande
    refusée avant l'étude (option, configuration ou dossier invalide).
    """

    try:
        parametres = dict(parse_assignment(text) for text in parametre or [])
    except KitError as exc:
        _fail(str(exc))
    quiet_kernel_warnings()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=False, disable=not sys.stdout.isatty()) as progress:
        task = progress.add_task("Étude", total=None)

        started = []  # with two kernels, two notebooks may start with the same number finished

        def on_notebook(name, title, finished, total):
            started.append(name)
            progress.update(task, total=total, completed=finished, description=f"{name} — {title}")
            if not sys.stdout.isatty():
                console.print(f"[{len(started)}/{total}] {name} — {title}")

        try:
            result = run_study(territoire, annee, reports_dir=rapports, notebooks_dir=notebooks,
                               on_notebook=on_notebook, moteur=moteur, noyaux=noyaux, parametres=parametres)
        except KitError as exc:
            _fail(str(exc))
        if result.status == STATUS_DONE:
            progress.update(task, completed=progress.tasks[0].total or 0)
    if result.status != STATUS_DONE:
        _fail(result.message + f"\nDossier du run (statut « échec ») : {result.run_dir}", code=1)
    console.print(f"Étude terminée. Rapport : {result.run_dir}")

    missing = phases_not_done(result.run_dir)
    if missing:
        console.print("Phases non réalisées ou réalisées en partie :")
        for line in missing:
            console.print(f"- {line}", markup=False, soft_wrap=True)
    elif missing is not None:
        console.print("Toutes les phases de l'étude sont réalisées.")
    html = result.run_dir / "rapport" / "rapport.html"
    if html.exists():
        console.print(f"Rapport à ouvrir dans un navigateur : {html}")

    if study_completeness(result.run_dir) == STUDY_INCOMPLETE:
        console.print(f"Étude incomplète : au moins une phase n'est pas réalisée faute de données "
                      f"(code de sortie {EXIT_INCOMPLETE}).")
        raise typer.Exit(EXIT_INCOMPLETE)


@app.command("lot", cls=FrenchCommand)
def lot(
    territoires: Path = typer.Option(..., "--territoires", "-T",
                                     help="Dossier dont chaque sous-dossier avec un territoire.yaml est un territoire, "
                                          "ou fichier listant un dossier de territoire par ligne."),
    annee: int = typer.Option(None, "--annee", "-a", help="Année étudiée (par défaut : celle de chaque configuration)."),
    travailleurs: int = typer.Option(None, "--travailleurs", "-j", help="Territoires traités en parallèle "
                                     "(par défaut : nombre de cœurs)."),
    reprendre: bool = typer.Option(False, "--reprendre", help="Ne relance pas les territoires qui ont déjà un run "
                                   "terminé pour l'année."),
    executeur: str = typer.Option("processus", "--executeur", help="« processus » (processus locaux isolés) ou "
                                  "« dask » (cluster Dask existant, voir --scheduler)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Adresse du scheduler Dask (ex. tcp://10.0.0.5:8786)."),
    rapports: Path = typer.Option(REPORTS_DIR, "--rapports", help="Dossier où écrire les runs."),
    moteur: str = typer.Option("noyau", "--moteur", help=MOTEUR_HELP),
    notebooks: Path = typer.Option(NOTEBOOKS_DIR, "--notebooks", hidden=True,
                                   help="Dossier des notebooks de phase (tests)."),
) -> None:
    """Exécute l'étude sur un lot de territoires, en parallèle ; un territoire en échec n'arrête pas les autres.

    La synthèse donne l'étude de chaque territoire : complète, incomplète (au moins une phase non réalisée faute
    de données) ou en échec. Codes de sortie : 0 = toutes complètes ; 3 = aucune en échec mais au moins une
    incomplète ; 1 = au moins un territoire en échec ; 2 = commande refusée avant le lot.
    """
    quiet_kernel_warnings()
    try:
        paths = find_territories(territoires)
    except KitError as exc:
        _fail(str(exc))
    if not paths:
        _fail(f"Aucun territoire trouvé dans « {territoires} » (sous-dossiers avec un territoire.yaml attendus).")
    console.print(f"{len(paths)} territoire(s) à traiter.")

    def on_done(outcome):
        console.print(f"  {outcome.identifiant} : {outcome.statut} ({_duration(outcome.duree_s)})")

    try:
        outcomes = run_batch(paths, annee, reports_dir=rapports, notebooks_dir=notebooks, travailleurs=travailleurs,
                             reprendre=reprendre, moteur=moteur, executeur=executeur, scheduler=scheduler,
                             on_done=on_done)
    except KitError as exc:
        _fail(str(exc))
    table = Table(title="Synthèse du lot")
    for column in ("Territoire", "Statut", "Étude", "Phases réalisées", "Durée", "Dossier du rapport"):
        table.add_column(column)
    colours = {STATUS_DONE: "green", STATUS_SKIPPED: "cyan"}
    studies = {"complète": 0, "incomplète": 0, "en échec": 0}
    for outcome in outcomes:
        colour = colours.get(outcome.statut, "red")
        study = _study_outcome(outcome)
        studies[study] = studies.get(study, 0) + 1
        table.add_row(outcome.identifiant, f"[{colour}]{outcome.statut}[/]", study, _phases_done(outcome.dossier),
                      _duration(outcome.duree_s), outcome.dossier or "—")
    console.print(table)
    console.print(f"Études : {studies['complète']} complète(s), {studies['incomplète']} incomplète(s), "
                  f"{studies['en échec']} en échec.")
    failed = [o for o in outcomes if o.statut not in (STATUS_DONE, STATUS_SKIPPED)]
    for outcome in failed:
        err_console.print(f"[bold red]Échec[/] {outcome.identifiant} : {outcome.message}")
    if failed:
        err_console.print(f"[bold red]Erreur :[/] {len(failed)} territoire(s) en échec sur {len(outcomes)}.")
        raise typer.Exit(1)
    console.print(f"Lot terminé : {len(outcomes)} territoire(s).")
    if studies["incomplète"]:
        raise typer.Exit(EXIT_INCOMPLETE)


def _study_outcome(outcome) -> str:
    """« complète », « incomplète » or « en échec » (the study of one territory of a batch)."""
    if outcome.statut not in (STATUS_DONE, STATUS_SKIPPED):
        return "en échec"
    return (study_completeness(outcome.dossier) if outcome.dossier else None) or "complète"


def _phases_done(run_dir: str | None) -> str:
    """« 10 sur 10 », « 7 sur 10 » (phases entirely done, from the table phase 10 publishes), or « — »."""
    return (phases_done(run_dir) if run_dir else None) or "—"


def _duration(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 60:
        return formatting.seconds(seconds)
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


@app.command("valider", cls=FrenchCommand)
def valider(
    territoire: Path = typer.Option(..., "--territoire", "-t", help="Dossier du territoire à contrôler."),
    annee: int = typer.Option(None, "--annee", "-a", help="Année qui sera étudiée (par défaut : celle de la configuration)."),
) -> None:
    """Contrôle seulement les fichiers du territoire (contrôles du notebook 00), sans rien écrire."""
    if annee is not None and (problem := year_problem(annee)):
        _fail(problem)
    try:
        check = check_territory(territoire, annee)
    except KitError as exc:
        _fail(str(exc))
    table = Table(title=f"Contrôle des données — {check.data.config.nom}")
    for column in check.synthese.columns:
        table.add_column(str(column))
    for _, row in check.synthese.iterrows():
        table.add_row(*[str(v) for v in row])
    console.print(table)
    messages = reject_messages(check.data)
    if messages:
        console.print("[bold]Lignes rejetées ou valeurs signalées, par motif[/]")
        for message in messages:
            console.print(f"- {message}", markup=False, soft_wrap=True)
    for warning in check.avertissements:
        console.print(f"[yellow]Attention :[/] {escape(warning)}", soft_wrap=True)  # never cut inside « »
    if check.notices:  # what the reading did of the files (encoding, labels read as the kit's, margins...)
        console.print("[bold]Remarques sur la lecture des fichiers[/]")
        for notice in check.notices:
            console.print(f"- {notice}", markup=False, soft_wrap=True)
    national, national_problem = peer_cache.national_file_status(check.data.config)
    console.print(f"[yellow]Attention :[/] {escape(national)}" if national_problem else escape(national), soft_wrap=True)
    blocking = [w for w in check.avertissements if "obligatoire" in w or "illisible" in w]
    if blocking or national_problem:
        raise typer.Exit(1)
    console.print("Contrôle terminé.")


@app.command("nouveau", cls=FrenchCommand)
def nouveau(
    dossier: Path = typer.Argument(..., help="Dossier du nouveau territoire (absent ou vide)."),
    nom: str = typer.Option(..., "--nom", help="Nom affiché du territoire, ex. « Communauté de communes du Bocage »."),
    identifiant: str = typer.Option(None, "--identifiant",
                                    help="Identifiant court (minuscules, chiffres, tirets) ; par défaut tiré du nom."),
    annee: int = typer.Option(None, "--annee", help="Année étudiée ; par défaut l'année dernière."),
    departement: list[str] = typer.Option(None, "--departement", "-d",
                                          help="Code d'un département du territoire (option répétable)."),
) -> None:
    """Crée un territoire vide : configuration commentée et modèles des fichiers d'entrée, sans aucune donnée."""

    try:
        written = create_territory(dossier, nom, identifiant=identifiant, annee=annee or dt.date.today().year - 1,
                                   departements=departement or [])
    except KitError as exc:
        _fail(str(exc))
    console.print(f"Territoire créé : {dossier.resolve()} ({len(written)} fichiers).", soft_wrap=True)
    console.print("- territoire.yaml : à compléter (acheteurs partenaires, communes, priorités).", soft_wrap=True)
    console.print(f"- {README_NAME} : où déposer chaque fichier ; {TEMPLATES_DIR}/ : les modèles de colonnes.",
                  soft_wrap=True)
    console.print(f"Ensuite : diversification valider --territoire {dossier}", soft_wrap=True, markup=False)


@app.command("corrige", cls=FrenchCommand)
def corrige(
    run: Path = typer.Argument(..., help="Dossier d'un run terminé (reports/<territoire>/<année>/<run-id>)."),
) -> None:
    """Affiche la réponse de chaque exercice de formation sur le territoire d'un run terminé (pour le formateur)."""
    _check_finished_run(run)
    try:
        key = answer_key(run)
    except KitError as exc:
        _fail(str(exc))
    table = Table(title=f"Réponses des exercices — {run.parent.parent.name} {run.parent.name}")
    for column in key.columns:
        table.add_column(column, overflow="fold")
    for row in key.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


@app.command("formation", cls=FrenchCommand)
def formation(
    run: Path = typer.Argument(..., help="Dossier d'un run terminé (reports/<territoire>/<année>/<run-id>)."),
    sortie: str = typer.Option(GUIDE_DIR, "--sortie", "-s",
                               help="Sous-dossier du run où écrire le guide et la fiche (lettres sans accent, "
                                    "chiffres, « - », « _ »)."),
) -> None:
    """Écrit le guide du formateur (plan de la séance, durées, objectifs, réponses attendues, erreurs fréquentes,
    questions de discussion) et la fiche de l'apprenant (sans les réponses), en HTML et en PDF, à partir d'un run
    terminé."""
    _check_finished_run(run)
    try:
        result = write_training_guide(run, sortie)
    except KitError as exc:
        _fail(str(exc))
    console.print(f"Guide du formateur et fiche de l'apprenant écrits dans : {result.folder}", soft_wrap=True)
    for path in result.files:
        console.print(f"- {path.name}", markup=False)
    for message in result.messages:
        if message.startswith("PDF non produit"):
            console.print(f"[yellow]Attention :[/] {escape(message)}", soft_wrap=True)


def _check_finished_run(run: Path) -> None:
    """French error (exit 2) unless ``run`` is the folder of a finished run."""

    manifest = run / "manifest.json"
    if not manifest.is_file():
        _fail(f"« {run} » n'est pas un dossier de run (manifest.json introuvable).")
    status = json.loads(manifest.read_text(encoding="utf-8")).get("statut")
    if status != STATUS_DONE:
        _fail(f"Le run « {run.name} » n'est pas terminé (statut « {status} ») : relancez l'étude.")


@app.command("comparer", cls=FrenchCommand)
def comparer(
    runs: list[Path] = typer.Argument(..., help="Dossiers de runs terminés (reports/<territoire>/<année>/<run-id>), "
                                               "deux ou plus : par exemple l'étude de l'an dernier et celle de cette année."),
) -> None:
    """Met côte à côte les chiffres clés de plusieurs runs terminés (années ou territoires)."""
    if len(runs) < 2:
        _fail("Donnez au moins deux dossiers de runs à comparer.")
    for run in runs:
        _check_finished_run(run)
    table = Table(title="Chiffres clés comparés")
    comparison = compare_runs(runs)
    for column in comparison.columns:
        table.add_column(column, overflow="fold")
    for row in comparison.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)


@app.command("exemples", cls=FrenchCommand)
def exemples(
    dossier: Path = typer.Option(EXAMPLES_DIR, "--dossier", help="Dossier où écrire les territoires d'exemple "
                                 "(par défaut : data_samples/territoires du dépôt, ou territoires/ du dossier courant "
                                 "quand le kit est installé)."),
) -> None:
    """Régénère les territoires d'exemple (fictifs, déterministes)."""
    for path in generate_all(dossier):
        console.print(f"Territoire écrit : {path}")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
