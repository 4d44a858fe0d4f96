"""Running a study: one dated run folder per run, the phase notebooks executed in it.

A run writes into ``reports/<territoire>/<année>/<run-id>/`` and never
overwrites another run. The folder is built under a hidden temporary name
(``.<run-id>.en-cours``) and renamed only once the run is over, so an
interrupted run can never be mistaken for a finished one. ``manifest.json``
records the parameters, the input files' hashes, the package versions, the
timing of each notebook and the status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .engine import CELL_TIMEOUT
from .config import TerritoryConfig, load_config
from .errors import KitError
from .paths import NOTEBOOKS_DIR, REPORTS_DIR
from .pseudonymisation import SALT_FILE_NAME
from .safe_output import safe_join

#: The phase notebooks, in order (DESIGN §3). Only those present are run.
PHASES = [
    ("00_controle_donnees", "Contrôle des données"),
    ("01_etat_des_lieux", "État des lieux"),
    ("02_besoins_emploi_insertion", "Besoins emploi et insertion"),
    ("03_besoins_economiques", "Besoins économiques"),
    ("04_secteurs_prioritaires", "Secteurs prioritaires"),
    ("05_argumentaire", "Argumentaire"),
    ("06_mobilisation_acheteurs", "Mobilisation des acheteurs"),
    ("07_partenariat_territorial", "Partenariat territorial"),
    ("08_volumes_insertion", "Volumes d'insertion"),
    ("09_evaluation", "Évaluation"),
    ("10_synthese", "Synthèse"),
]
PACKAGES = ["diversification", "pandas", "numpy", "pyarrow", "pandera", "papermill", "nbclient", "ipykernel",
            "matplotlib", "openpyxl", "xlsxwriter", "jinja2", "pyyaml"]
ENGINE_KERNEL = "noyau"
ENGINE_PAPERMILL = "papermill"
ENGINES = (ENGINE_KERNEL, ENGINE_PAPERMILL)
STATUS_RUNNING = "en cours"
STATUS_DONE = "terminé"
STATUS_FAILED = "échec"
IN_PROGRESS_SUFFIX = ".en-cours"


class RunError(KitError):
    """A run could not start or a notebook failed (French message)."""


@dataclass
class RunResult:
    run_dir: Path
    status: str
    manifest: dict
    failed_notebook: str | None = None
    message: str = ""
    notebooks: list[Path] = field(default_factory=list)


def available_phases(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[tuple[str, str]]:
    return [(name, title) for name, title in PHASES if (notebooks_dir / f"{name}.ipynb").exists()]


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261125-101530-3fa9c2``: sortable, and distinct for two runs started at the same second."""
    now = now or dt.datetime.now()
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def hash_inputs(territory_dir: Path) -> dict[str, str]:
    """SHA-256 of every input file of the territory (the pseudonymisation secret excluded)."""
    hashes = {}
    for path in sorted(territory_dir.rglob("*")):
        if path.is_file() and path.name != SALT_FILE_NAME and not path.name.startswith("."):
            hashes[path.relative_to(territory_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def write_manifest(run_dir: Path, manifest: dict) -> None:
    tmp = run_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, run_dir / "manifest.json")


def declared_parameters(notebook: Path) -> dict[str, dict]:
    """Parameters of the cell tagged ``parameters``: ``{name: {"default": source text}}``.

    Read with :mod:`ast` (papermill's line parser gives up on a comment holding an
    apostrophe, as in « vide = exploration, rien n'est écrit »).
    """
    import ast

    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError as exc:
                raise RunError(
                    f"Le notebook « {notebook.name} » : cellule de paramètres illisible (ligne {exc.lineno})."
                ) from None
            declared = {}
            for node in tree.body:
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    value = ast.get_source_segment(cell.source, node.value) if node.value is not None else None
                    for target in targets:
                        if isinstance(target, ast.Name):
                            declared[target.id] = {"default": value}
            return declared
    return {}


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Refuse a parameter the notebook does not declare, or a declared one left without default."""
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise RunError(
            f"Le notebook « {notebook.name} » ne déclare pas le(s) paramètre(s) {', '.join(unknown)} "
            f"(paramètres déclarés : {', '.join(declared) or 'aucun'})."
        )
    missing = sorted(k for k, v in declared.items() if v.get("default") in (None, "None", "") and k not in parameters)
    if missing:
        raise RunError(f"Le notebook « {notebook.name} » attend le(s) paramètre(s) {', '.join(missing)}.")


def prepare_run(territoire: Path, annee: int | None, reports_dir: Path) -> tuple[TerritoryConfig, int, str, Path, Path]:
    config = load_config(territoire)
    annee = int(annee if annee is not None else config.annee)
    if not 2000 <= annee <= 2100:
        raise RunError(f"Année « {annee} » refusée : une année entre 2000 et 2100 est attendue.")
    run_id = new_run_id()
    final = safe_join(Path(reports_dir), config.identifiant, str(annee), run_id)
    tmp = final.parent / f".{run_id}{IN_PROGRESS_SUFFIX}"
    tmp.mkdir(parents=True, exist_ok=False)
    return config, annee, run_id, final, tmp


def run_study(
    territoire: str | Path,
    annee: int | None = None,
    *,
    reports_dir: str | Path = REPORTS_DIR,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    phases: list[str] | None = None,
    on_notebook=None,
    moteur: str = ENGINE_KERNEL,
    session=None,
) -> RunResult:
    """Run the phase notebooks on one territory into a new run folder.

    ``on_notebook(name, title, index, total)`` is called before each notebook
    (progress display). ``moteur``: ``"noyau"`` (default) executes all the
    notebooks in one kernel kept alive (:mod:`diversification.engine`; ``session``
    lets a batch worker reuse its kernel from one territory to the next),
    ``"papermill"`` starts a fresh kernel per notebook (reference path). Raises
    :class:`~diversification.errors.KitError` for a user mistake (bad
    configuration, bad year, unknown engine) before anything is written.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    if moteur not in ENGINES:
        raise RunError(f"Moteur « {moteur} » inconnu : choisir parmi {', '.join(ENGINES)}.")
    territoire = Path(territoire).resolve()
    notebooks_dir = Path(notebooks_dir).resolve()
    config, annee, run_id, final, tmp = prepare_run(territoire, annee, Path(reports_dir).resolve())
    selected = [(n, t) for n, t in available_phases(notebooks_dir) if phases is None or n in phases]
    manifest = {
        "territoire": config.identifiant,
        "nom": config.nom,
        "annee": annee,
        "run_id": run_id,
        "statut": STATUS_RUNNING,
        "debut": dt.datetime.now().isoformat(timespec="seconds"),
        "fin": None,
        "version_kit": __version__,
        "parametres": {"territoire": str(territoire), "annee": annee, "moteur": moteur},
        "entrees": hash_inputs(config.directory),
        "versions": package_versions(),
        "notebooks": [],
    }
    write_manifest(tmp, manifest)
    out_dir = tmp / "notebooks"
    out_dir.mkdir()
    result = RunResult(final, STATUS_RUNNING, manifest)
    own_session = None
    if moteur == ENGINE_PAPERMILL:
        session = None
    elif session is None and selected:
        from .engine import KernelSession

        session = own_session = KernelSession()
    try:
        _run_notebooks(selected, notebooks_dir, out_dir, territoire, annee, tmp, final, manifest, result,
                       on_notebook, session, pm, PapermillExecutionError)
    finally:
        if own_session is not None:
            own_session.close()
    manifest["statut"] = STATUS_FAILED if result.failed_notebook else STATUS_DONE
    manifest["fin"] = dt.datetime.now().isoformat(timespec="seconds")
    write_manifest(tmp, manifest)
    os.replace(tmp, final)
    result.status = manifest["statut"]
    return result


def _run_notebooks(selected, notebooks_dir, out_dir, territoire, annee, tmp, final, manifest, result,
                   on_notebook, session, pm, PapermillExecutionError) -> None:
    for index, (name, title) in enumerate(selected):
        if on_notebook:
            on_notebook(name, title, index, len(selected))
        source = notebooks_dir / f"{name}.ipynb"
        target = out_dir / f"{name}.ipynb"
        parameters = {"territoire": str(territoire), "annee": annee, "dossier_run": str(tmp)}
        entry = {"notebook": name, "titre": title, "statut": STATUS_RUNNING}
        manifest["notebooks"].append(entry)
        start = time.perf_counter()
        try:
            check_parameters(source, parameters)
            if session is not None:
                session.execute_notebook(source, target, parameters, cwd=notebooks_dir)
            else:
                pm.execute_notebook(
                    str(source),
                    str(target),
                    parameters=parameters,
                    cwd=str(notebooks_dir),
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=CELL_TIMEOUT,
                )
            entry["statut"] = STATUS_DONE
        except PapermillExecutionError as exc:
            entry["statut"] = STATUS_FAILED
            entry["cellule"] = exc.exec_count
            entry["erreur"] = f"{exc.ename}: {exc.evalue}"
            result.failed_notebook = name
            result.message = (
                f"Échec du notebook « {name} » ({title}), cellule n° {exc.exec_count} : {exc.ename} : {exc.evalue}. "
                f"Le notebook exécuté est conservé pour diagnostic : {final / 'notebooks' / target.name}"
            )
        except RunError as exc:
            entry["statut"] = STATUS_FAILED
            entry["erreur"] = str(exc)
            result.failed_notebook = name
            result.message = str(exc)
        except Exception as exc:  # kernel died, timeout...: the run is closed as failed, never left half-done
            entry["statut"] = STATUS_FAILED
            entry["erreur"] = f"{type(exc).__name__}: {exc}"
            result.failed_notebook = name
            result.message = (
                f"Échec du notebook « {name} » ({title}) : {type(exc).__name__} : {exc}. "
                f"Le notebook exécuté (partiel) est conservé : {final / 'notebooks' / target.name}"
            )
            if session is not None:
                session.close()  # a fresh kernel for the next study
        finally:
            entry["duree_s"] = round(time.perf_counter() - start, 3)
            result.notebooks.append(final / "notebooks" / target.name)
        if result.failed_notebook:
            break
