"""Batch of territories: one study per territory, in isolated worker processes or on a Dask cluster.

* :func:`find_territories`: every sub-folder holding a ``territoire.yaml``, or a
  list file (one path per line).
* :func:`run_batch`: the studies run in parallel; a failing territory never
  stops the others (its outcome is « échec » with the reason). Executors:
  ``"processus"`` (``concurrent.futures.ProcessPoolExecutor``, *spawn* context:
  each worker is a fresh Python process keeping one kernel alive from one
  territory to the next) or ``"dask"`` (the same per-territory task submitted
  to an existing ``distributed`` scheduler; the workers must see the same
  folders as this machine).
* ``reprendre``: territories that already have a finished run for the year are
  skipped.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from diversification.inputs.config import CONFIG_FILE_NAMES, load_config
from diversification.inputs.errors import KitError
from diversification.inputs.paths import NOTEBOOKS_DIR, REPORTS_DIR
from diversification.publish.run_folder import latest_finished_run
from diversification.publish.safe_output import safe_join
from diversification.run.engine import quiet_kernel_warnings, thread_session
from diversification.run.runner import ENGINE_KERNEL, ENGINES, run_study, RunError, STATUS_FAILED
from concurrent.futures import ProcessPoolExecutor, as_completed
import multiprocessing

EXECUTOR_PROCESSES = "processus"
EXECUTOR_DASK = "dask"
EXECUTORS = (EXECUTOR_PROCESSES, EXECUTOR_DASK)
STATUS_SKIPPED = "déjà terminé"


@dataclass
class TerritoryOutcome:
    """What happened to one territory of the batch (plain values: sent between processes)."""

    territoire: str
    identifiant: str
    statut: str
    duree_s: float
    dossier: str | None = None
    message: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def find_territories(source: str | Path) -> list[Path]:
    """Territory folders of ``source``: its sub-folders holding a ``territoire.yaml`` (sorted by
    name), or, when ``source`` is a file, the paths it lists (one a line; blank lines and lines
    starting with ``#`` ignored; relative paths are relative to the list file)."""
    source = Path(source)
    if source.is_dir():
        return sorted(
            p for p in source.iterdir()
            if p.is_dir() and any((p / name).is_file() for name in CONFIG_FILE_NAMES)
        )
    if source.is_file():
        paths = []
        for line in source.read_text(encoding="utf-8-sig").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path = Path(line).expanduser()
            paths.append(path if path.is_absolute() else source.parent / path)
        return paths
    raise KitError(f"Dossier ou liste de territoires « {source} » introuvable.")


def finished_run(territoire: str | Path, annee: int | None, reports_dir: str | Path = REPORTS_DIR) -> Path | None:
    """The latest finished run (manifest « terminé ») of the territory for the year, or ``None``."""
    config = load_config(Path(territoire))
    year = int(annee if annee is not None else config.annee)
    return latest_finished_run(safe_join(Path(reports_dir), config.identifiant, str(year)))


def check_unique_identifiers(territoires: list[str | Path]) -> None:
    """Refuse (French :class:`~.runner.RunError`) a batch where two territory folders share one ``identifiant``:
    their studies would be named the same in the summary and written to the same reports folder. A folder whose
    configuration cannot be read is left to its own run (it fails there with its reason)."""
    folders: dict[str, list[Path]] = {}
    for territoire in territoires:
        try:
            identifiant = load_config(Path(territoire)).identifiant
        except KitError:
            continue
        folders.setdefault(identifiant, []).append(Path(territoire))
    clashes = {ident: paths for ident, paths in folders.items() if len(paths) > 1}
    if not clashes:
        return
    lines = []
    for ident, paths in clashes.items():
        same = len({p.resolve() for p in paths}) == 1
        named = " et ".join(f"« {p} »" for p in paths)
        lines.append(f"- identifiant « {ident} » : {named}" + (" (le même dossier listé plusieurs fois)" if same else ""))
    raise RunError(
        "Lot refusé, rien n'a été lancé : plusieurs territoires ont le même identifiant (territoire.yaml) ; "
        "leurs études porteraient le même nom dans la synthèse et s'écriraient dans le même dossier de rapports.\n"
        + "\n".join(lines)
        + "\nDonnez à chaque territoire un identifiant distinct, ou retirez le doublon de la liste."
    )


def run_territory(
    territoire: str,
    annee: int | None,
    reports_dir: str,
    notebooks_dir: str,
    moteur: str = "noyau",
    reprendre: bool = False,
) -> dict:
    """One territory of the batch, in a worker: never raises, returns a :class:`TerritoryOutcome` dict.

    With the kernel-reuse engine the worker's kernel (:func:`engine.thread_session`)
    is kept for the next territory.
    """
    start = time.perf_counter()
    name = Path(territoire).name
    identifiant = name
    try:
        identifiant = load_config(Path(territoire)).identifiant
        if reprendre:
            done = finished_run(territoire, annee, reports_dir)
            if done is not None:
                return TerritoryOutcome(str(territoire), identifiant, STATUS_SKIPPED, 0.0, str(done),
                                        "Run terminé déjà présent : territoire non relancé.").to_dict()
        session = None
        if moteur == ENGINE_KERNEL:
            session = thread_session()
        result = run_study(territoire, annee, reports_dir=reports_dir, notebooks_dir=notebooks_dir,
                           moteur=moteur, session=session)
        return TerritoryOutcome(str(territoire), identifiant, result.status, round(time.perf_counter() - start, 2),
                                str(result.run_dir), result.message).to_dict()
    except KitError as exc:
        return TerritoryOutcome(str(territoire), identifiant, STATUS_FAILED, round(time.perf_counter() - start, 2),
                                None, str(exc)).to_dict()
    except Exception as exc:  # a failing territory must never stop the batch
        return TerritoryOutcome(str(territoire), identifiant, STATUS_FAILED, round(time.perf_counter() - start, 2),
                                None, f"Erreur inattendue : {type(exc).__name__} : {exc}").to_dict()


#: Environment variables that cap the threads of numpy/OpenBLAS, Arrow and friends.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Threads each worker (and its kernel) may use so that workers do not oversubscribe the cores."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, workers))


def _worker_init(threads: int) -> None:  # pragma: no cover - runs in the worker processes

    # Inherited by the worker's kernel: each study computes on its share of the cores only.
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    quiet_kernel_warnings()


def run_batch(
    territoires: list[str | Path],
    annee: int | None = None,
    *,
    reports_dir: str | Path = REPORTS_DIR,
    notebooks_dir: str | Path = NOTEBOOKS_DIR,
    travailleurs: int | None = None,
    reprendre: bool = False,
    moteur: str = "noyau",
    executeur: str = EXECUTOR_PROCESSES,
    scheduler: str | None = None,
    on_done=None,
) -> list[TerritoryOutcome]:
    """Run the study of every territory; outcomes in the order of ``territoires``.

    ``travailleurs``: worker processes (default: the number of cores; ignored by
    Dask, whose cluster has its own workers). ``scheduler``: address of the Dask
    scheduler (``tcp://host:8786``) when ``executeur="dask"``. ``on_done(outcome)``
    is called as each territory finishes (progress display).
    """
    if executeur not in EXECUTORS:
        raise RunError(f"Exécuteur « {executeur} » inconnu : choisir parmi {', '.join(EXECUTORS)}.")
    if moteur not in ENGINES:
        raise RunError(f"Moteur « {moteur} » inconnu : choisir parmi {', '.join(ENGINES)}.")
    if executeur == EXECUTOR_DASK and not scheduler:
        raise RunError("L'exécuteur dask demande l'adresse du scheduler (--scheduler tcp://hôte:8786).")
    if annee is not None and not 2000 <= int(annee) <= 2100:
        raise RunError(f"Année « {annee} » refusée : une année entre 2000 et 2100 est attendue.")
    travailleurs = travailleurs or os.cpu_count() or 1
    if travailleurs < 1:
        raise RunError(f"Nombre de travailleurs « {travailleurs} » refusé : au moins 1.")
    check_unique_identifiers(territoires)
    args = [
        (str(Path(t).resolve()), annee, str(Path(reports_dir).resolve()), str(Path(notebooks_dir).resolve()),
         moteur, reprendre)
        for t in territoires
    ]
    if executeur == EXECUTOR_DASK:
        outcomes = _run_dask(args, scheduler, on_done)
    else:
        outcomes = _run_processes(args, min(travailleurs, max(len(args), 1)), on_done)
    return [TerritoryOutcome(**o) for o in outcomes]


def _lost(arg: tuple, exc: BaseException) -> dict:
    return TerritoryOutcome(arg[0], Path(arg[0]).name, STATUS_FAILED, 0.0, None,
                            f"Processus de travail interrompu : {type(exc).__name__} : {exc}").to_dict()


def _run_processes(args: list[tuple], workers: int, on_done) -> list[dict]:
    outcomes: list[dict | None] = [None] * len(args)
    if not args:
        return []
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init, initargs=(threads_per_worker(workers),)) as pool:
        futures = {pool.submit(run_territory, *arg): i for i, arg in enumerate(args)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                outcomes[i] = future.result()
            except Exception as exc:  # worker killed (memory, signal): this territory only is failed
                outcomes[i] = _lost(args[i], exc)
            if on_done:
                on_done(TerritoryOutcome(**outcomes[i]))
    return outcomes


def _run_dask(args: list[tuple], scheduler: str, on_done) -> list[dict]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise KitError("L'exécuteur dask demande le paquet « distributed » (pip install \"dask[distributed]\").") from exc

    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise RunError(f"Scheduler Dask « {scheduler} » injoignable : {exc}") from None
    outcomes: list[dict | None] = [None] * len(args)
    try:
        futures = [client.submit(run_territory, *arg, pure=False) for arg in args]
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            i = index[future.key]
            try:
                outcomes[i] = future.result()
            except Exception as exc:  # worker lost
                outcomes[i] = _lost(args[i], exc)
            if on_done:
                on_done(TerritoryOutcome(**outcomes[i]))
    finally:
        client.close()
    return outcomes
