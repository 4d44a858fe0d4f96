"""The context every phase notebook opens: territory, year, run folder, inputs, decisions.

A phase notebook starts with ``etude = open_study(territoire, annee, dossier_run)``.

* Inputs: read from the run folder written by notebook 00 (``prive/`` and
  ``donnees/``) when there is one, otherwise loaded from the territory folder
  (exploration in JupyterLab, nbval).
* Published tables go to ``tables/<name>.parquet`` of the run folder through
  :meth:`Study.publish` (deterministic bytes, formula-safe CSV copy).
* Decisions are data: :meth:`Study.decision` returns the decision table of an
  earlier phase (read from the run folder, or recomputed when exploring), with
  the territory configuration's pinned values applied and marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from .config import TerritoryConfig, load_config
from .loading import INPUT_TITLES, REQUIRED_INPUTS, TerritoryData, load_territory

PINNED_ORIGIN = "épinglée par la configuration"
COMPUTED_ORIGIN = "calculée"
#: Origin of a decision that could not be computed: nothing is retained, the ranking columns are empty and the
#: column ``motif`` says why (French).
NOT_COMPUTED_ORIGIN = "non calculée"
REASON_COLUMN = "motif"
#: The inputs a decision needs: all of them (« all »), or at least one (« any »). Without them the decision is not
#: computed (a ranking of the segments from the national reference tables only would back nothing).
DECISION_INPUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "publics_prioritaires": ("all", ("suivi_clauses", "demandeurs_emploi")),
    "segments_prioritaires": ("any", ("decp", "suivi_clauses", "demandeurs_emploi", "metiers_tension")),
    "marches_cibles": ("all", ("achats_prevus",)),
}
DECISION_TITLES = {"publics_prioritaires": "publics prioritaires", "segments_prioritaires": "segments prioritaires",
                   "marches_cibles": "marchés cibles"}
#: Columns of a ranking, emptied when the decision is not computed.
RANKING_COLUMNS = ("rang", "score", "proba_top_n")
PRIVATE_INPUTS = {"suivi_clauses"}


@dataclass
class Study:
    territoire: Path
    annee: int
    run_dir: Path | None
    config: TerritoryConfig
    _data: TerritoryData | None = None
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    # --- inputs ---------------------------------------------------------------------------
    @property
    def threshold(self) -> int:
        """Statistical-disclosure threshold of the territory (default 5)."""
        return self.config.secret_threshold

    @property
    def data(self) -> TerritoryData:
        if self._data is None:
            self._data = load_territory(self.territoire)
        return self._data

    def _run_input_path(self, key: str) -> Path | None:
        if self.run_dir is None:
            return None
        folder = "prive" if key in PRIVATE_INPUTS else "donnees"
        path = self.run_dir / folder / f"{key}.parquet"
        return path if path.exists() else None

    def available(self, key: str) -> bool:
        if self._run_input_path(key) is not None:
            return True
        return self.data.available(key) and not self.data.table(key).empty

    def unavailable_reason(self, key: str) -> str:
        """French sentence saying why an input cannot be used (for the notebooks and the report)."""
        title = INPUT_TITLES[key]
        result = self.data.inputs[key]
        if result.status == "absente":
            kind = "obligatoire" if key in REQUIRED_INPUTS else "facultative"
            return f"l'entrée {kind} « {title} » est absente du dossier du territoire"
        if result.status == "illisible":
            return f"l'entrée « {title} » est illisible ({result.notices[-1]})"
        return f"l'entrée « {title} » ne contient aucune ligne valide"

    def table(self, key: str) -> pd.DataFrame:
        """The controlled rows of one input (a copy: phases never modify their inputs)."""
        if key not in self._tables:
            path = self._run_input_path(key)
            self._tables[key] = pd.read_parquet(path) if path is not None else self.data.table(key)
        return self._tables[key].copy()

    # --- outputs ----------------------------------------------------------------------------
    def publish(self, name: str, table: pd.DataFrame, *, csv: bool = False) -> Path | None:
        """Write an aggregate table into ``tables/`` of the run (nothing when exploring)."""
        if self.run_dir is None:
            return None
        from .safe_output import safe_join, write_csv, write_parquet

        folder = self.run_dir / "tables"
        folder.mkdir(parents=True, exist_ok=True)
        path = write_parquet(table, safe_join(folder, f"{name}.parquet"))
        if csv:
            write_csv(table, safe_join(folder, f"{name}.csv"))
        return path

    def pinned(self, name: str) -> list | None:
        pins = self.config.get("decisions_epinglees") or {}
        value = pins.get(name)
        if value is None:
            return None
        return list(value) if isinstance(value, (list, tuple)) else [value]

    def decision_missing_inputs(self, name: str) -> str | None:
        """French reason why the decision ``name`` cannot be computed (its inputs are missing), or ``None``."""
        if name not in DECISION_INPUTS:
            return None
        mode, keys = DECISION_INPUTS[name]
        missing = [k for k in keys if not self.available(k)]
        if not missing or (mode == "any" and len(missing) < len(keys)):
            return None
        title = DECISION_TITLES.get(name, name)
        if mode == "any":
            what = ("aucune des entrées qui la mesurent n'est disponible ("
                    + ", ".join(f"« {INPUT_TITLES[k]} »" for k in keys) + ") : un classement tiré des seuls "
                    "référentiels nationaux ne dirait rien du territoire")
        else:
            what = " ; ".join(self.unavailable_reason(k) for k in missing)
        return (f"Décision « {title} » non calculée : {what}. Rien n'est retenu ; déposez ces fichiers dans le "
                f"dossier du territoire, ou épinglez la décision dans territoire.yaml (« decisions_epinglees.{name} »).")

    def decision(self, name: str, compute: Callable[[], pd.DataFrame], *, id_column: str) -> pd.DataFrame:
        """The decision table ``name``: from the run folder, else computed; pins applied.

        A decision table has one row per candidate, an ``id_column``, a boolean
        ``retenu`` and an ``origine`` column (« calculée » or « épinglée par la
        configuration »). Pinned ids are retained whatever the computation says,
        and the others are not.
        """
        path = None if self.run_dir is None else self.run_dir / "tables" / f"decision_{name}.parquet"
        if path is not None and path.exists():
            return pd.read_parquet(path)
        table = compute().copy()
        table["origine"] = COMPUTED_ORIGIN
        pins = self.pinned(name)
        if pins is not None:
            unknown = sorted(set(map(str, pins)) - set(table[id_column].astype(str)))
            if unknown:
                from .errors import ConfigError

                raise ConfigError(
                    f"territoire.yaml : decisions_epinglees.{name} : identifiant(s) inconnu(s) : {', '.join(unknown)} "
                    f"(admis : {', '.join(table[id_column].astype(str))})."
                )
            table["retenu"] = table[id_column].astype(str).isin(set(map(str, pins)))
            table["origine"] = PINNED_ORIGIN
        else:
            reason = self.decision_missing_inputs(name)
            if reason is not None:
                table = not_computed(table, reason)
        if path is not None:
            self.publish(f"decision_{name}", table)
        return table


def not_computed(table: pd.DataFrame, reason: str) -> pd.DataFrame:
    """The candidates of a decision that could not be computed: nothing retained, no rank nor score, the reason."""
    table = table.copy()
    table["retenu"] = False
    for column in RANKING_COLUMNS:
        if column in table.columns:
            table[column] = pd.array([pd.NA] * len(table), dtype="Float64")
    table["origine"] = NOT_COMPUTED_ORIGIN
    table[REASON_COLUMN] = reason
    return table


def decision_not_computed(table: pd.DataFrame | None) -> str | None:
    """The French reason of a decision table that was not computed, or ``None`` (computed, pinned, absent)."""
    if table is None or "origine" not in table.columns or not len(table):
        return None
    if not (table["origine"] == NOT_COMPUTED_ORIGIN).any():
        return None
    return str(table[REASON_COLUMN].iloc[0]) if REASON_COLUMN in table.columns else NOT_COMPUTED_ORIGIN


def open_study(territoire: str | Path, annee: int | None = None, dossier_run: str | Path = "") -> Study:
    """Open the study of a territory for one phase notebook."""
    territoire = Path(territoire).resolve()
    config = load_config(territoire)
    run_dir = Path(dossier_run).resolve() if dossier_run else None
    return Study(territoire=territoire, annee=int(annee or config.annee), run_dir=run_dir, config=config)
