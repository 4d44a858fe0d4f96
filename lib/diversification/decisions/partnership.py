"""Territorial partnership of the priority segments (Fiche C1 §II.b, §II.c and §II.d).

For each retained priority segment: the federations, training bodies and
employment partners to involve (``federations_formation.csv``), the local
inclusive structures able to serve it (directory of the territory, sectors
mapped by ``secteurs_structures.csv``), and an action plan built from the
generic steps of ``plan_actions_partenariat.csv``.

Dates of the plan are relative to the study year: ``trimestre_debut = 1`` is
the first quarter (T1) of year + 1, ``5`` the first quarter of year + 2; a step
lasts ``duree_trimestres`` quarters. Start date = first day of the start
quarter, end date = last day of the last quarter.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from diversification.indicators.figure_memo import remembered
from diversification.decisions.scoring import retained_segments
from diversification.indicators import ecosystem
from diversification.inputs.referentiels import load_referentiel, split_list
from diversification.inputs.segments import segment_labels

#: Partner types of the action plan that come from ``federations_formation.csv``.
ACTOR_TYPES = ("fédération", "organisme de formation", "partenaire emploi")
INCLUSIVE = "structures inclusives"
MAX_NAMES = 3
PLAN_COLUMNS = ["segment_id", "libelle", "ordre", "etape", "responsable", "partenaires", "a_impliquer",
                "debut", "fin", "trimestres", "reference_fiche"]


def retained_table(decision: pd.DataFrame) -> pd.DataFrame:
    """The retained segments for display: rank, label, score, origin of the decision."""
    ids = retained_segments(decision)
    table = decision.set_index("segment_id").loc[ids].reset_index()
    if "libelle" not in table.columns:
        table["libelle"] = table["segment_id"].map(segment_labels())
    columns = [c for c in ("rang", "segment_id", "libelle", "score", "origine") if c in table.columns]
    return table[columns].reset_index(drop=True)


# --- actors and structures ---------------------------------------------------------------------

def sector_actors(segment_ids: list[str]) -> pd.DataFrame:
    """Federations, training bodies and employment partners of each segment (reference table)."""
    return ecosystem.sector_actors(segment_ids)


def local_structures(structures: pd.DataFrame | None, segment_ids: list[str]) -> pd.DataFrame:
    """Local inclusive structures able to serve each segment (empty table without directory)."""
    return ecosystem.inclusive_suppliers(structures, segment_ids)


def partners_summary(segment_ids: list[str], structures: pd.DataFrame | None) -> pd.DataFrame:
    """One row per segment: number of federations, training bodies, employment partners, local structures."""
    actors = sector_actors(segment_ids)
    local = local_structures(structures, segment_ids)
    labels = segment_labels()
    rows = []
    for sid in segment_ids:
        act = actors[actors["segment_id"] == sid]
        rows.append({
            "segment_id": sid,
            "libelle": labels.get(sid, sid),
            "federations": int((act["type_acteur"] == "fédération").sum()),
            "organismes_formation": int((act["type_acteur"] == "organisme de formation").sum()),
            "partenaires_emploi": int((act["type_acteur"] == "partenaire emploi").sum()),
            "structures_inclusives_locales": int((local["segment_id"] == sid).sum()),
        })
    return pd.DataFrame(rows, columns=["segment_id", "libelle", "federations", "organismes_formation",
                                       "partenaires_emploi", "structures_inclusives_locales"])


# --- action plan -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _steps_cached() -> pd.DataFrame:
    steps = load_referentiel("plan_actions_partenariat")
    for col in ("ordre", "trimestre_debut", "duree_trimestres"):
        steps[col] = steps[col].astype(int)
    return steps.sort_values("ordre").reset_index(drop=True)


def plan_steps() -> pd.DataFrame:
    """The generic steps (``plan_actions_partenariat.csv``), integers typed, in order."""
    return _steps_cached().copy()


def quarter_start(annee: int, quarter_index: int) -> dt.date:
    """First day of quarter ``quarter_index`` counted from T1 of ``annee + 1`` (index 1)."""
    if quarter_index < 1:
        raise ValueError("le trimestre relatif commence à 1 (T1 de l'année suivant l'étude)")
    year = annee + 1 + (quarter_index - 1) // 4
    quarter = (quarter_index - 1) % 4
    return dt.date(year, 3 * quarter + 1, 1)


def quarter_end(annee: int, quarter_index: int) -> dt.date:
    """Last day of quarter ``quarter_index`` counted from T1 of ``annee + 1``."""
    start = quarter_start(annee, quarter_index + 1)
    return start - dt.timedelta(days=1)


def quarter_label(annee: int, quarter_index: int) -> str:
    """« T1 2026 » for ``(2025, 1)``."""
    start = quarter_start(annee, quarter_index)
    return f"T{(start.month - 1) // 3 + 1} {start.year}"


def _names(frame: pd.DataFrame, column: str = "nom") -> str:
    names = sorted(frame[column].astype(str).unique())
    if not names:
        return ""
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" et {len(names) - MAX_NAMES} autre(s)" if len(names) > MAX_NAMES else "")


def _who(partner_types: list[str], actors: pd.DataFrame, local: pd.DataFrame) -> str:
    parts = []
    for kind in partner_types:
        if kind in ACTOR_TYPES:
            names = _names(actors[actors["type_acteur"] == kind])
            parts.append(f"{kind} : {names}" if names else f"{kind} : aucun acteur recensé dans le référentiel")
        elif kind == INCLUSIVE:
            names = _names(local)
            parts.append(f"structures inclusives locales : {names}" if names
                         else "structures inclusives : aucune structure locale recensée (élargir le sourcing)")
    return " ; ".join(parts)


def action_plan(segment_ids: list[str], annee: int, structures: pd.DataFrame | None,
                steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per segment × step: owner, partners (with the names to contact), dates.

    ``partenaires`` lists the partner types of the step; ``a_impliquer`` names
    the actors of the segment (reference table) and the local inclusive
    structures (at most three names per type, then a count).
    """
    steps = plan_steps() if steps is None else steps
    actors = sector_actors(segment_ids)
    local = local_structures(structures, segment_ids)
    labels = segment_labels()
    rows = []
    for sid in segment_ids:
        seg_actors = actors[actors["segment_id"] == sid]
        seg_local = local[local["segment_id"] == sid]
        for step in steps.itertuples(index=False):
            types = split_list(step.partenaires)
            first, last = int(step.trimestre_debut), int(step.trimestre_debut) + int(step.duree_trimestres) - 1
            label = quarter_label(annee, first) if first == last else \
                f"{quarter_label(annee, first)} – {quarter_label(annee, last)}"
            rows.append({
                "segment_id": sid,
                "libelle": labels.get(sid, sid),
                "ordre": int(step.ordre),
                "etape": step.etape,
                "responsable": step.responsable,
                "partenaires": ", ".join(types),
                "a_impliquer": _who(types, seg_actors, seg_local),
                "debut": pd.Timestamp(quarter_start(annee, first)),
                "fin": pd.Timestamp(quarter_end(annee, last)),
                "trimestres": label,
                "reference_fiche": step.reference_fiche,
            })
    table = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    table["ordre"] = table["ordre"].astype("Int64")
    return table


def timeline_table(annee: int, steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """The generic schedule plotted by :func:`chart_timeline`: one row per step."""
    steps = plan_steps() if steps is None else steps
    rows = []
    for step in steps.itertuples(index=False):
        first, last = int(step.trimestre_debut), int(step.trimestre_debut) + int(step.duree_trimestres) - 1
        rows.append({"ordre": int(step.ordre), "etape": step.etape, "responsable": step.responsable,
                     "debut": pd.Timestamp(quarter_start(annee, first)),
                     "fin": pd.Timestamp(quarter_end(annee, last)),
                     "trimestre_debut": first, "duree_trimestres": int(step.duree_trimestres)})
    return pd.DataFrame(rows)


OWNER_COLORS = {"facilitateur": "#2f5f98", "acheteur": "#c0504d", "fédération": "#9bbb59"}


@remembered
def chart_timeline(annee: int, steps: pd.DataFrame | None = None) -> tuple[Figure, pd.DataFrame]:
    """Gantt-like chart of the action plan (French labels); returns the figure and the table it plots."""
    table = timeline_table(annee, steps)
    figure = Figure(figsize=(9, 0.5 * len(table) + 1.8))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    n_quarters = int((table["trimestre_debut"] + table["duree_trimestres"] - 1).max()) if len(table) else 4
    for pos, row in enumerate(table.itertuples(index=False)):
        color = OWNER_COLORS.get(row.responsable, "#7f7f7f")
        axes.barh(pos, row.duree_trimestres, left=row.trimestre_debut - 1, color=color, height=0.6)
    axes.set_yticks(range(len(table)), labels=[f"{r.etape} ({r.responsable})" for r in table.itertuples()])
    axes.invert_yaxis()
    axes.set_xticks([q + 0.5 for q in range(n_quarters)],
                    labels=[quarter_label(annee, q + 1) for q in range(n_quarters)], rotation=45, ha="right")
    axes.set_xlim(0, n_quarters)
    axes.set_xlabel("Trimestre")
    axes.set_title(f"Plan d'actions du partenariat territorial (à partir de {annee + 1})")
    handles = [Patch(color=c, label=o) for o, c in OWNER_COLORS.items() if o in set(table["responsable"])]
    if handles:
        axes.legend(handles=handles, title="Responsable", loc="lower right", fontsize=8)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure, table


def no_segment_note(decision: pd.DataFrame) -> str:
    """French sentence when no segment is retained (empty string otherwise)."""
    if retained_segments(decision):
        return ""
    return ("**Aucun segment prioritaire retenu** : le plan d'actions ne peut pas être établi. Revoyez la phase 04 "
            "(classement des segments) ou épinglez des segments dans « decisions_epinglees.segments_prioritaires ».")


def structures_note(etude) -> str:
    """French sentence when the directory of inclusive structures is unavailable (empty otherwise)."""
    if etude.available("structures_inclusives"):
        return ""
    return (f"**Structures inclusives non disponibles** : {etude.unavailable_reason('structures_inclusives')}. "
            "Le plan d'actions ne nomme donc aucune structure locale ; consultez l'annuaire du Marché de l'inclusion.")


def key_figures(segment_ids: list[str], plan: pd.DataFrame, structures_table: pd.DataFrame) -> str:
    """Stable French lines for the pinned nbval cell."""
    lines = [f"Segments prioritaires retenus : {len(segment_ids)} ({', '.join(segment_ids)})",
             f"Actions planifiées : {len(plan)}"]
    if len(plan):
        lines.append(f"Calendrier : du {plan['debut'].min():%d/%m/%Y} au {plan['fin'].max():%d/%m/%Y}")
    for sid in segment_ids:
        lines.append(f"{sid} : {int((structures_table['segment_id'] == sid).sum())} structure(s) inclusive(s) locale(s)")
    return "\n".join(lines)
