"""The context every phase notebook opens: territory, year, run folder, inputs, decisions.

A phase notebook starts with ``etude = open_study(territoire, annee, dossier_run)``.

* Inputs: read from the run folder written by notebook 00 (``prive/`` and
  ``donnees/``) when there is one, otherwise loaded from the territory folder
  (exploration in JupyterLab, nbval).
* Published tables go to ``tables/<name>.parquet`` of the run folder through
  :meth:`Study.publish`, which hands them to the publishing gate
  (:mod:`diversification.publish.gate`: declared counts, disclosure rule, ledger);
  other documents through :meth:`Study.publish_text` and :meth:`Study.publish_with`.
* Decisions are data: :meth:`Study.decision` returns the decision table of an
  earlier phase (read from the run folder, or computed when exploring by the one
  definition of :mod:`diversification.decisions.registry`), with the territory
  configuration's pinned values applied and marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from diversification.indicators.decision_tables import (
    COMPUTED_ORIGIN, DECISION_INPUTS, DECISION_TITLES, not_computed, PINNED_ORIGIN,
)
from diversification.inputs.config import load_config, TerritoryConfig
from diversification.inputs.errors import ConfigError
from diversification.inputs import parameters
from diversification.inputs.loading import INPUT_TITLES, load_territory, REQUIRED_INPUTS, TerritoryData
from diversification.publish import gate

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
        folder = gate.PRIVATE_DIR if key in PRIVATE_INPUTS else "donnees"
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
        """Publish an aggregate table into ``tables/`` of the run through the gate (nothing when exploring)."""
        if self.run_dir is None:
            return None
        return gate.publish_table(self.run_dir, name, table, threshold=self.threshold, csv=csv)

    def publish_text(self, relpath: str, text: str, *, kind: str) -> Path | None:
        """Publish a text document (HTML, JSON) at ``relpath`` of the run through the gate (nothing when exploring)."""
        return None if self.run_dir is None else gate.write_text(self.run_dir, relpath, text, kind=kind)

    def publish_with(self, relpath: str, writer, *, kind: str) -> Path | None:
        """Publish the file ``writer(path)`` writes (xlsx, PDF) at ``relpath`` through the gate."""
        return None if self.run_dir is None else gate.write_with(self.run_dir, relpath, writer, kind=kind)

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


def open_study(territoire: str | Path, annee: int | None = None, dossier_run: str | Path = "") -> Study:
    """Open the study of a territory for one phase notebook (opened by hand: see :func:`parameters.as_opened`)."""
    territoire, annee = parameters.as_opened(territoire, annee)
    territoire = Path(territoire).resolve()
    config = load_config(territoire)
    run_dir = Path(dossier_run).resolve() if dossier_run else None
    return Study(territoire=territoire, annee=int(annee or config.annee), run_dir=run_dir, config=config)
