"""The publishing gate: the one door through which every file of a run folder is written.

Every published table, chart, argument sheet, workbook, report, executed notebook, controlled input and manifest of a
run reaches the disk through this module (see docs/ARCHITECTURE.md, « The publishing gate »):

* :func:`publish_table` writes a table of ``tables/``. The table must be declared in the catalogue
  ``data_samples/referentiels/tables_publiees.csv``: its counts of persons (``effectifs``, under the statistical
  disclosure rule), the columns derived from them (``derivees``, hidden with them) and its other numeric columns
  (``valeurs``: amounts, counts of contracts, years, ranks, scores). A table that is not declared, or that carries a
  numeric column the catalogue does not name, is refused (:class:`PublicationRefused`). The disclosure rule is then
  applied to the declared counts: a count of persons in ``[1, seuil - 1]`` still visible is hidden, with secondary
  suppression (:func:`~diversification.indicators.disclosure.protect_frequencies`), and its derived columns with it.
* :func:`write_text`, :func:`write_bytes` and :func:`write_with` write every other file (HTML, PNG, JSON, xlsx,
  PDF, private rows); :func:`admit` records a file that a library wrote on the gate's behalf at a path the gate gave
  (the executed notebooks that papermill saves as it goes).
* Every file written is recorded, with its SHA-256, in the run's ledger ``publication.jsonl`` (one JSON line per
  write, appended atomically, so that two kernels of one study may publish at the same time).
  :func:`unrecorded_files` lists the files of a run folder that the ledger does not account for: a finished run has
  none (tested).

Private rows (participants, rejects quoting values) may only be written under ``prive/`` (``private=True``).

One file outside a run folder is written here too: the territory configuration, when a « Retenir » button of
JupyterLab pins a hand choice (:func:`write_territory_file`; only the marked block of ``choix_a_la_main`` changes,
see :mod:`diversification.inputs.hand_choices`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pandas as pd

from diversification.indicators import disclosure
from diversification.inputs import hand_choices
from diversification.inputs.config import CONFIG_FILE_NAMES, TerritoryConfig, load_config
from diversification.inputs.errors import KitError
from diversification.inputs.referentiels import load_referentiel, split_list
from diversification.publish.safe_output import safe_join, write_csv, write_parquet

LEDGER_NAME = "publication.jsonl"
PRIVATE_DIR = "prive"
TABLES_DIR = "tables"
#: Prefix of the tables of decisions (``decision_<name>``): declared in the catalogue like any other table.
DECISION_PREFIX = "decision_"


class PublicationRefused(KitError):
    """A table or file the gate does not let out (French message)."""


@dataclass(frozen=True)
class TableDeclaration:
    """What the catalogue says of one published table."""

    name: str
    counts: tuple[str, ...]
    derived: tuple[str, ...]
    values: tuple[str, ...]
    description: str

    @property
    def numeric(self) -> set[str]:
        return set(self.counts) | set(self.derived) | set(self.values)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, TableDeclaration]:
    """The declared tables (``tables_publiees.csv``), by name."""
    table = load_referentiel("tables_publiees")
    out = {}
    for row in table.itertuples(index=False):
        out[str(row.table)] = TableDeclaration(
            name=str(row.table), counts=tuple(split_list(row.effectifs)), derived=tuple(split_list(row.derivees)),
            values=tuple(split_list(row.valeurs)), description=str(row.description))
    return out


def declaration(name: str) -> TableDeclaration:
    """The catalogue's declaration of table ``name``; refused when the table is not declared."""
    found = catalogue().get(name)
    if found is None:
        raise PublicationRefused(
            f"Publication refusée : la table « {name} » n'est pas déclarée dans "
            "data_samples/referentiels/tables_publiees.csv (ses effectifs de personnes et ses autres colonnes "
            "numériques doivent y être nommés avant toute publication).")
    return found


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def check_declared(name: str, table: pd.DataFrame) -> TableDeclaration:
    """The declaration of ``name``, after checking that every numeric column of ``table`` is declared."""
    spec = declaration(name)
    undeclared = [str(c) for c in table.columns if _is_numeric(table[c]) and str(c) not in spec.numeric]
    if undeclared:
        raise PublicationRefused(
            f"Publication refusée : la table « {name} » porte des colonnes numériques non déclarées "
            f"({', '.join(undeclared)}) : les déclarer dans data_samples/referentiels/tables_publiees.csv, comme "
            "effectifs de personnes (soumis au secret statistique) ou comme valeurs.")
    return spec


def apply_rule(table: pd.DataFrame, spec: TableDeclaration, threshold: int) -> pd.DataFrame:
    """``table`` with the disclosure rule applied to its declared counts of persons.

    A count already hidden upstream (missing) stays hidden. When a visible count lies in ``[1, threshold - 1]``,
    the column is protected again with secondary suppression (the total of the column is assumed published), and
    the declared derived columns of the hidden rows are hidden with it.
    """
    out = table
    for col in spec.counts:
        if col not in out.columns or not _is_numeric(out[col]):
            continue
        if not disclosure.check_no_small_counts(out.reset_index(drop=True), [col], threshold):
            continue
        derived = [c for c in spec.derived if c in out.columns]
        frame = out.reset_index(drop=True)
        visible = frame[col].notna()
        part = disclosure.protect_frequencies(frame.loc[visible, [col]].astype({col: "Int64"}), col, threshold,
                                              total=True)
        hide = pd.Series(False, index=frame.index)
        hide.loc[visible[visible].index] = part.hidden[col].to_numpy(dtype=bool)
        for column in (col, *derived):
            frame[column] = frame[column].mask(hide)
        out = frame.set_axis(table.index)
    return out


# --- the ledger -----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(run_dir: Path, path: Path, kind: str) -> None:
    line = json.dumps({"fichier": path.relative_to(run_dir).as_posix(), "sha256": _sha256(path), "nature": kind},
                      ensure_ascii=False) + "\n"
    fd = os.open(run_dir / LEDGER_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def _target(run_dir: str | Path, relpath: str, private: bool) -> tuple[Path, Path]:
    run_dir = Path(run_dir)
    parts = Path(relpath).parts
    if private != (bool(parts) and parts[0] == PRIVATE_DIR):
        where = "hors de" if private else "dans"
        raise PublicationRefused(
            f"Publication refusée : « {relpath} » : des lignes privées ne s'écrivent que dans {PRIVATE_DIR}/ du run "
            f"(écriture demandée {where} {PRIVATE_DIR}/).")
    path = safe_join(run_dir, *parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return run_dir, path


def write_with(run_dir: str | Path, relpath: str, writer: Callable[[Path], object], *, kind: str,
               private: bool = False) -> Path:
    """Write ``relpath`` of the run folder with ``writer(path)`` (a safe writer of the publish layer), then record it."""
    run_dir, path = _target(run_dir, relpath, private)
    writer(path)
    _record(run_dir, path, kind)
    return path


def write_bytes(run_dir: str | Path, relpath: str, data: bytes, *, kind: str, private: bool = False) -> Path:
    return write_with(run_dir, relpath, lambda p: p.write_bytes(data), kind=kind, private=private)


def write_text(run_dir: str | Path, relpath: str, text: str, *, kind: str, private: bool = False) -> Path:
    return write_bytes(run_dir, relpath, text.encode("utf-8"), kind=kind, private=private)


def target(run_dir: str | Path, relpath: str) -> Path:
    """The path where a library may write ``relpath`` on the gate's behalf; :func:`admit` records it after."""
    return _target(run_dir, relpath, False)[1]


def admit(run_dir: str | Path, path: str | Path, *, kind: str) -> Path:
    """Record ``path`` (given by :func:`target`, written by a library such as papermill) in the ledger."""
    run_dir, path = Path(run_dir), Path(path)
    path.resolve().relative_to(run_dir.resolve())
    _record(run_dir, path, kind)
    return path


def publish_table(run_dir: str | Path, name: str, table: pd.DataFrame, *, threshold: int,
                  csv: bool = False) -> Path:
    """Write the declared table ``name`` into ``tables/`` (Parquet, and a French-Excel CSV copy when ``csv``)."""
    spec = check_declared(name, table)
    shown = apply_rule(table, spec, threshold)
    path = write_with(run_dir, f"{TABLES_DIR}/{name}.parquet", lambda p: write_parquet(shown, p), kind="table")
    if csv:
        write_with(run_dir, f"{TABLES_DIR}/{name}.csv", lambda p: write_csv(shown, p), kind="table")
    return path


def ledger(run_dir: str | Path) -> dict[str, str]:
    """The last recorded SHA-256 of every file of the ledger of ``run_dir``."""
    path = Path(run_dir) / LEDGER_NAME
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            out[entry["fichier"]] = entry["sha256"]
    return out


def unrecorded_files(run_dir: str | Path) -> list[str]:
    """Files of the run folder the ledger does not account for (absent from it, or changed since recorded)."""
    run_dir = Path(run_dir)
    recorded = ledger(run_dir)
    out = []
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(run_dir).as_posix()
        if rel == LEDGER_NAME:
            continue
        if recorded.get(rel) != _sha256(path):
            out.append(rel)
    return out


def write_territory_file(config: TerritoryConfig, block: dict) -> TerritoryConfig:
    """Rewrite the hand-choices block of the territory configuration ``config`` (atomically; the rest of the file is
    kept as written) and return the configuration read again from the file (so that a bad block is refused)."""
    path = Path(config.path)
    if path.name not in CONFIG_FILE_NAMES:
        raise PublicationRefused(f"Écriture refusée : « {path.name} » n'est pas un fichier de configuration de territoire.")
    text = path.read_text(encoding="utf-8")
    new = hand_choices.file_with_block(text, block, file_name=path.name)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(new, encoding="utf-8")
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return load_config(path)
