"""The shape of a decision table (docs/ARCHITECTURE.md, « Decisions »): its origins, the reason of a decision that
could not be computed, and the inputs each decision needs.

A decision table has one row per candidate, an id column, ``retenu`` and ``origine``. These conventions are used
by the indicators that hold a decision rule (:mod:`~diversification.indicators.demand`), by the decisions layer and
by the report: they live here, below all of them.
"""

from __future__ import annotations

import pandas as pd

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
