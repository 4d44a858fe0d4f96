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

from diversification import __version__
from diversification.inputs.config import load_config, TerritoryConfig, year_problem
from diversification.inputs.errors import KitError
from diversification.inputs.parameters import (
    NOTEBOOK_PARAMETERS, Parameter, ParameterError, validate as validate_parameters, validate_study,
)
from diversification.inputs.paths import NOTEBOOKS_DIR, REPORTS_DIR
from diversification.inputs.phases import PHASES
from diversification.inputs.pseudonymisation import SALT_FILE_NAME
from diversification.publish import gate
from diversification.publish.run_folder import STATUS_DONE, STATUS_FAILED, STATUS_RUNNING
from diversification.publish.safe_output import safe_join
from diversification.run.engine import CELL_TIMEOUT, KernelSession, sliced_manager_class, warm_up
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from papermill.exceptions import PapermillExecutionError
import ast
import nbformat
import papermill
import papermill as pm

#: What each phase reads from the others (published tables, decisions), besides the controlled
#: inputs written by 00. With several kernels (:func:`run_study`, ``noyaux``), a phase starts as
#: soon as these are done; with one kernel the phases run in the order of :data:`PHASES`.
PHASE_REQUIRES = {
    "01_etat_des_lieux": ["00_controle_donnees"],
    "02_besoins_emploi_insertion": ["00_controle_donnees"],
    "03_besoins_economiques": ["00_controle_donnees"],
    "04_secteurs_prioritaires": ["02_besoins_emploi_insertion"],  # decision publics_prioritaires
    "05_argumentaire": ["03_besoins_economiques", "04_secteurs_prioritaires"],  # pairs_segments; decisions
    "06_mobilisation_acheteurs": ["04_secteurs_prioritaires"],
    "07_partenariat_territorial": ["04_secteurs_prioritaires"],
    "08_volumes_insertion": ["06_mobilisation_acheteurs"],  # decisions segments_prioritaires, marches_cibles
    "09_evaluation": ["00_controle_donnees"],
    "10_synthese": [name for name, _ in PHASES[:-1]],  # the report gathers every phase
}
#: Kernels of a study run on its own (the batch runs one kernel per worker instead).
DEFAULT_KERNELS = min(2, os.cpu_count() or 1)
PACKAGES = ["diversification", "pandas", "numpy", "pyarrow", "pandera", "papermill", "nbclient", "ipykernel",
            "matplotlib", "openpyxl", "xlsxwriter", "jinja2", "pyyaml"]
ENGINE_KERNEL = "noyau"
ENGINE_PAPERMILL = "papermill"
ENGINES = (ENGINE_KERNEL, ENGINE_PAPERMILL)
IN_PROGRESS_SUFFIX = ".en-cours"
#: Annotations of a ``parameters`` cell that the runner checks values against.
ANNOTATION_TYPES = {"str": str, "int": int, "float": float}


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
    """``manifest.json`` of the run, replaced atomically, through the publishing gate."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def write(path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)

    gate.write_with(run_dir, "manifest.json", write, kind="manifeste")


def declared_parameters(notebook: Path) -> dict[str, dict]:
    """Parameters of the cell tagged ``parameters``: ``{name: {"default": source text, "type": annotation text or
    None}}``.

    Read with :mod:`ast` (papermill's line parser gives up on a comment holding an
    apostrophe, as in « vide = exploration, rien n'est écrit »).
    """

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
                    annotation = ast.get_source_segment(cell.source, node.annotation) if isinstance(
                        node, ast.AnnAssign) else None
                    for target in targets:
                        if isinstance(target, ast.Name):
                            declared[target.id] = {"default": value, "type": annotation}
            return declared
    return {}


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Refuse, before any cell runs, a parameter the notebook does not declare, a declared one left without default,
    or a value of the wrong type: against the kit's declaration (:mod:`diversification.inputs.parameters`) for a phase
    notebook, and against the annotation of its ``parameters`` cell (``annee: int = 2025``) for any notebook."""
    declared = declared_parameters(notebook)
    try:
        if notebook.stem in NOTEBOOK_PARAMETERS:
            validate_parameters(notebook.stem, parameters)
        for name, value in parameters.items():
            kind = ANNOTATION_TYPES.get((declared.get(name) or {}).get("type"))
            if kind is not None:
                Parameter(name, kind, None, "voir la cellule de paramètres").check(
                    value, f"du notebook « {notebook.stem} »")
    except ParameterError as exc:
        raise RunError(str(exc)) from None
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
    if problem := year_problem(annee):
        raise RunError(problem)
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
    noyaux: int | None = None,
    parametres: dict | None = None,
) -> RunResult:
    """Run the phase notebooks on one territory into a new run folder.

    ``on_notebook(name, title, finished, total)`` is called before each notebook
    (progress display). ``moteur``: ``"noyau"`` (default) executes the notebooks
    in kernels kept alive (:mod:`diversification.run.engine`), ``"papermill"`` starts
    a fresh kernel per notebook, one after the other (reference path).
    ``noyaux`` (kernel engine; default :data:`DEFAULT_KERNELS`): with 2 or more,
    independent phases run at the same time in separate kernels, each phase once
    those it reads (:data:`PHASE_REQUIRES`) are done; with 1, in the order of
    :data:`PHASES`. ``session``: one kernel to run every notebook in, in order
    (a batch worker reuses its kernel from one territory to the next). Raises
    :class:`~diversification.inputs.errors.KitError` for a user mistake (bad
    configuration, bad year, unknown engine, unknown or wrongly typed
    parameter) before anything is written. ``parametres``: values of the
    phase-specific parameters (:mod:`diversification.inputs.parameters`, e.g.
    ``{"top_n": 6}``), each passed to the notebooks that declare it.
    """
    if moteur not in ENGINES:
        raise RunError(f"Moteur « {moteur} » inconnu : choisir parmi {', '.join(ENGINES)}.")
    if noyaux is not None and int(noyaux) < 1:
        raise RunError(f"Nombre de noyaux « {noyaux} » refusé : au moins 1.")
    territoire = Path(territoire).resolve()
    notebooks_dir = Path(notebooks_dir).resolve()
    selected = [(n, t) for n, t in available_phases(notebooks_dir) if phases is None or n in phases]
    extra = validate_study(dict(parametres or {}), [n for n, _ in selected])
    config, annee, run_id, final, tmp = prepare_run(territoire, annee, Path(reports_dir).resolve())
    kernels = int(noyaux if noyaux is not None else DEFAULT_KERNELS)
    if moteur == ENGINE_PAPERMILL or session is not None or len(selected) < 2:
        kernels = 1
    manifest = {
        "territoire": config.identifiant,
        "nom": config.nom,
        "annee": annee,
        "run_id": run_id,
        "statut": STATUS_RUNNING,
        "debut": dt.datetime.now().isoformat(timespec="seconds"),
        "fin": None,
        "version_kit": __version__,
        "parametres": {"territoire": str(territoire), "annee": annee, "moteur": moteur, "noyaux": kernels, **extra},
        "entrees": hash_inputs(config.directory),
        "versions": package_versions(),
        "notebooks": [],
    }
    write_manifest(tmp, manifest)
    out_dir = tmp / "notebooks"
    out_dir.mkdir()
    result = RunResult(final, STATUS_RUNNING, manifest)
    run = _Run(notebooks_dir, out_dir, {"territoire": str(territoire), "annee": annee, "dossier_run": str(tmp)},
               final, manifest, result, on_notebook, len(selected), extra)
    if moteur == ENGINE_PAPERMILL:
        run.sequential(selected, None)
    elif kernels == 1:
        own = session is None
        session = session or KernelSession()
        try:
            run.sequential(selected, session)
        finally:
            if own:
                session.close()
    else:
        run.parallel(selected, kernels)
    manifest["notebooks"].sort(key=lambda entry: entry["notebook"])
    manifest["statut"] = STATUS_FAILED if result.failed_notebook else STATUS_DONE
    manifest["fin"] = dt.datetime.now().isoformat(timespec="seconds")
    write_manifest(tmp, manifest)
    os.replace(tmp, final)
    result.status = manifest["statut"]
    return result


def _reachable(name: str, neighbours) -> set[str]:
    """The phases reached from ``name`` by following ``neighbours(phase)`` again and again."""
    found: set[str] = set()
    frontier = set(neighbours(name))
    while frontier:
        found |= frontier
        frontier = {n for phase in frontier for n in neighbours(phase)} - found
    return found


def _requirements(name: str) -> set[str]:
    """The phases ``name`` waits for, directly or not (:data:`PHASE_REQUIRES`)."""
    return _reachable(name, lambda phase: PHASE_REQUIRES.get(phase, []))


def _dependents(name: str) -> set[str]:
    """The phases that wait, directly or not, for ``name``."""
    return _reachable(name, lambda phase: [p for p, requires in PHASE_REQUIRES.items() if phase in requires])


class _Run:
    """The notebooks of one run: each executed into ``notebooks/`` of the run, its entry in the
    manifest, the first failure kept in the result."""

    def __init__(self, notebooks_dir: Path, out_dir: Path, parameters: dict, final: Path, manifest: dict,
                 result: RunResult, on_notebook, total: int, extra: dict | None = None):
        self.notebooks_dir, self.out_dir, self.parameters, self.final = notebooks_dir, out_dir, parameters, final
        self.extra = dict(extra or {})  # phase-specific parameters: each to the notebooks that declare it
        self.manifest, self.result, self.on_notebook, self.total = manifest, result, on_notebook, total
        self.finished = 0

    def _start(self, name: str, title: str) -> dict:
        """Progress call (notebooks finished so far) and manifest entry of a notebook about to run (main thread)."""
        if self.on_notebook:
            self.on_notebook(name, title, self.finished, self.total)
        entry = {"notebook": name, "titre": title, "statut": STATUS_RUNNING}
        self.manifest["notebooks"].append(entry)
        self.result.notebooks.append(self.final / "notebooks" / f"{name}.ipynb")
        return entry

    def execute(self, name: str, title: str, entry: dict, session) -> str | None:
        """Run one notebook (``session``: a :class:`~diversification.run.engine.KernelSession`, or
        ``None`` for papermill's fresh kernel); fills ``entry``; the French failure message or ``None``."""
        source = self.notebooks_dir / f"{name}.ipynb"
        target = self.out_dir / f"{name}.ipynb"
        kept = self.final / "notebooks" / target.name
        start = time.perf_counter()
        message = None
        try:
            parameters = self.notebook_parameters(source)
            check_parameters(source, parameters)
            if session is not None:
                session.execute_notebook(source, target, parameters, cwd=self.notebooks_dir)
            else:
                pm.execute_notebook(str(source), str(target), parameters=parameters, cwd=str(self.notebooks_dir),
                                    kernel_name="python3", progress_bar=False, log_output=False,
                                    execution_timeout=CELL_TIMEOUT, kernel_manager_class=sliced_manager_class())
            entry["statut"] = STATUS_DONE
        except PapermillExecutionError as exc:
            entry.update(statut=STATUS_FAILED, cellule=exc.exec_count, erreur=f"{exc.ename}: {exc.evalue}")
            message = (f"Échec du notebook « {name} » ({title}), cellule n° {exc.exec_count} : {exc.ename} : "
                       f"{exc.evalue}. Le notebook exécuté est conservé pour diagnostic : {kept}")
        except RunError as exc:
            entry.update(statut=STATUS_FAILED, erreur=str(exc))
            message = str(exc)
        except Exception as exc:  # kernel died, timeout...: the run is closed as failed, never left half-done
            entry.update(statut=STATUS_FAILED, erreur=f"{type(exc).__name__}: {exc}")
            message = (f"Échec du notebook « {name} » ({title}) : {type(exc).__name__} : {exc}. "
                       f"Le notebook exécuté (partiel) est conservé : {kept}")
            if session is not None:
                session.close()  # a fresh kernel for the next study
        finally:
            entry["duree_s"] = round(time.perf_counter() - start, 3)
            if target.exists():  # written by papermill at the path the gate gave (partial on a failure)
                gate.admit(self.out_dir.parent, target, kind="notebook exécuté")
        return message

    def notebook_parameters(self, source: Path) -> dict:
        """The runner's parameters, and those of :attr:`extra` that the notebook declares."""
        if not self.extra:
            return dict(self.parameters)
        kit = NOTEBOOK_PARAMETERS.get(source.stem)
        names = {p.name for p in kit} if kit else set(declared_parameters(source))
        return {**self.parameters, **{k: v for k, v in self.extra.items() if k in names}}

    def _finish(self, name: str, message: str | None) -> bool:
        """Count a notebook as finished, keep the run's first failure; whether this one failed."""
        self.finished += 1
        if message and not self.result.failed_notebook:
            self.result.failed_notebook, self.result.message = name, message
        return message is not None

    def sequential(self, selected: list[tuple[str, str]], session) -> None:
        for name, title in selected:
            if self._finish(name, self.execute(name, title, self._start(name, title), session)):
                break

    def parallel(self, selected: list[tuple[str, str]], kernels: int) -> None:
        """Independent phases at the same time, one kernel per thread (a kernel client stays on the
        thread, and the event loop, that started it); no new phase once one has failed."""

        names = {name for name, _ in selected}
        # Critical path first: among the phases ready, those that more phases wait for; then those that
        # wait for fewer phases (ready earlier, e.g. 09 before 05), then the order of the method.
        pending = sorted(selected, key=lambda phase: (-len(_dependents(phase[0]) & names),
                                                      len(_requirements(phase[0]) & names)))
        done: set[str] = set()
        lanes = [(ThreadPoolExecutor(1, thread_name_prefix=f"noyau-{i}"), KernelSession()) for i in range(kernels)]
        # Every kernel starts at once; while the first phase runs alone, the others import the kit.
        warming = [pool.submit(warm_up, session, self.notebooks_dir, full=i > 0) for i, (pool, session) in enumerate(lanes)]

        free = list(lanes)
        running = {}
        try:
            while pending or running:
                ready = [] if self.result.failed_notebook else [
                    (n, t) for n, t in pending if all(r in done or r not in names for r in PHASE_REQUIRES.get(n, []))]
                for name, title in ready[:len(free)]:
                    pending.remove((name, title))
                    lane = free.pop(0)
                    future = lane[0].submit(self.execute, name, title, self._start(name, title), lane[1])
                    running[future] = (name, lane)
                if not pending or self.result.failed_notebook:
                    while free:  # nothing left for these kernels: stopped now, during the last phases
                        pool, session = free.pop()
                        pool.submit(session.close)
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    name, lane = running.pop(future)
                    self._finish(name, future.result())
                    done.add(name)
                    free.append(lane)
        finally:
            wait(warming)
            for pool, session in lanes:
                pool.submit(session.close)  # a no-op for a kernel already stopped
            for pool, _ in lanes:
                pool.shutdown(wait=True)
