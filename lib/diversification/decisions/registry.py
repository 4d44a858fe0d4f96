"""The decisions of the study, each defined once (docs/ARCHITECTURE.md, « Decisions »).

A decision is a small table, one row per candidate, with an id column, a boolean ``retenu`` and an ``origine``
(« calculée » or « épinglée par la configuration »). The phase that takes it publishes it into the run folder
(``tables/decision_<name>.parquet``, through the publishing gate of the study context); every later phase and the
report read that table. When a notebook is explored without a run folder, the same function below computes it.
The territory configuration may pin it (``decisions_epinglees``).

The functions take the study context ``etude`` (:class:`diversification.publish.study.Study`): its
``decision(name, compute, id_column=...)`` reads the run folder, or calls ``compute`` and applies the pins.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from diversification.decisions import scoring, screening
from diversification.indicators import demand, hours
from diversification.inputs import hand_choices
from diversification.inputs.phases import PHASES
from diversification.inputs.segments import map_cpv_series


@dataclass(frozen=True)
class DecisionSpec:
    """What the report and the later phases need to know of a decision."""

    name: str
    phase: str
    title: str
    id_column: str
    label_column: str

    @property
    def table_name(self) -> str:
        return f"decision_{self.name}"


DECISIONS = {spec.name: spec for spec in (
    DecisionSpec("publics_prioritaires", "02", "Publics prioritaires", "public_id", "libelle"),
    DecisionSpec("segments_prioritaires", "04", "Segments d'achat prioritaires", "segment_id", "libelle"),
    DecisionSpec("marches_cibles", "06", "Marchés cibles", "id_achat", "objet"),
)}
#: The decisions by the phase that takes them (``"02"`` → publics...).
BY_PHASE = {spec.phase: spec for spec in DECISIONS.values()}


def priority_publics(etude, *, seuil_indice: float = demand.DEFAULT_INDEX_THRESHOLD) -> pd.DataFrame:
    """The ``publics_prioritaires`` decision (phase 02): under-represented publics among clause participants."""

    def compute() -> pd.DataFrame:
        return demand.compute_priority_publics(etude.table("suivi_clauses"), etude.table("demandeurs_emploi"),
                                               etude.annee, etude.threshold, etude.config.raw,
                                               seuil_indice=seuil_indice)

    return etude.decision("publics_prioritaires", compute, id_column="public_id")


def priority_segments(etude, *, criteria: pd.DataFrame | None = None, weights: pd.Series | None = None,
                      top_n: int = scoring.DEFAULT_TOP_N, seed: int = scoring.DEFAULT_SEED) -> pd.DataFrame:
    """The ``segments_prioritaires`` decision (phase 04): the ``top_n`` segments of the multi-criteria score.

    ``criteria`` (raw criteria of :func:`scoring.criteria_from_study`) and ``weights`` default to those of the
    study and of its configuration (``poids_criteres``).
    """

    def compute() -> pd.DataFrame:
        raw = criteria if criteria is not None else scoring.criteria_from_study(etude, priority_publics(etude))
        used = weights if weights is not None else scoring.configured_weights(etude.config)
        return scoring.prioritise_segments(raw, used, top_n=top_n, seed=seed)

    return etude.decision("segments_prioritaires", compute, id_column="segment_id")


def retained_segment_ids(etude) -> list[str]:
    """Ids of the retained priority segments, in rank order."""
    return scoring.retained_segments(priority_segments(etude))


def target_contracts(etude, screened: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``marches_cibles`` decision (phase 06): the planned purchases retained for a social clause."""
    return etude.decision("marches_cibles", screening.target_compute(etude, screened), id_column="id_achat")


#: The table of the hand choices a phase used (published only when there is one), by section of ``choix_a_la_main``.
HAND_CHOICE_TABLES = {hand_choices.WEIGHTS: "choix_a_la_main_04", hand_choices.VOLUMES: "choix_a_la_main_08"}


def hand_choice_table(config, section: str) -> pd.DataFrame:
    """The hand choices of ``section`` in the configuration, one row per value: ``element`` (criterion or contract),
    ``parametre``, ``valeur``, ``date``, ``commentaire``, ``origine`` (« choisi à la main »)."""
    if section == hand_choices.WEIGHTS:
        choice = hand_choices.weights_choice(config)
        entries = [] if choice is None else [(k, "poids", v, choice) for k, v in choice.valeurs.items()]
    else:
        entries = [(contract, k, v, choice) for contract, choice in hand_choices.volume_choices(config).items()
                   for k, v in choice.valeurs.items()]
    rows = [{"element": str(e), "parametre": str(p), "valeur": float(v) if not isinstance(v, str) else float("nan"),
             "valeur_texte": str(v), "date": c.date, "commentaire": c.commentaire, "origine": hand_choices.HAND_ORIGIN}
            for e, p, v, c in entries]
    return pd.DataFrame(rows, columns=["element", "parametre", "valeur", "valeur_texte", "date", "commentaire",
                                       "origine"])


def publish_hand_choices(etude, section: str) -> pd.DataFrame:
    """Publish into the run the hand choices of ``section`` the phase uses (nothing when there is none), so that the
    report can say that they were chosen by hand; return them."""
    table = hand_choice_table(etude.config, section)
    if len(table):
        etude.publish(HAND_CHOICE_TABLES[section], table)
    return table


def source_note(name: str) -> str:
    """French sentence telling which phase takes the decision ``name``."""
    spec = DECISIONS[name]
    title = next(t for n, t in PHASES if n.startswith(spec.phase))
    return (f"{spec.title} : décision de la phase {spec.phase} ({title}), lue dans le dossier du run ; en exploration, "
            "calculée par la même règle. La colonne « origine » dit si la configuration l'a épinglée.")


# --- the contracts of phase 08 ------------------------------------------------------------------

#: Columns of the contracts whose insertion volume phase 08 computes.
TARGET_COLUMNS = ["id_achat", "objet", "segment_id", "acheteur", "montant_estime_ht", "montant_min_ht",
                  "montant_max_ht", "forme", "duree_mois", "date_debut"]


def _planned_targets(achats: pd.DataFrame, acheteurs: list[dict]) -> pd.DataFrame:
    table = achats.copy()
    table["segment_id"] = map_cpv_series(table["code_cpv"]).astype(object)
    names = {str(a.get("siret")): a.get("nom") for a in acheteurs or []}
    table["acheteur"] = table["acheteur_siret"].astype(str).map(names).astype(object)
    for col in TARGET_COLUMNS:
        if col not in table.columns:
            table[col] = pd.NA
    return table[TARGET_COLUMNS]


def _without_segment(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    missing = table["segment_id"].isna()
    if not missing.any():
        return table, ""
    return table[~missing].reset_index(drop=True), (
        f" {int(missing.sum())} achat(s) sans segment (code CPV absent ou inconnu) écarté(s) : leur part de "
        "main-d'œuvre n'est pas connue ; estimez-les avec la calculatrice.")


def targeted_contracts(etude) -> tuple[pd.DataFrame, str]:
    """The contracts whose insertion volume phase 08 computes, and a French note saying where they come from: the
    retained rows of the ``marches_cibles`` decision with an insertion clause and a segment (their planned purchase);
    an empty table without planned purchases. The note says why the other retained contracts get no hours."""
    if not etude.available("achats_prevus"):
        return pd.DataFrame(columns=TARGET_COLUMNS), (
            f"**Aucun achat prévu** : {etude.unavailable_reason('achats_prevus')}. Aucun marché ne peut être ciblé ; "
            "la calculatrice ci-dessous garde ses valeurs par défaut pour estimer un marché à la main.")
    planned = _planned_targets(etude.table("achats_prevus"), etude.config.acheteurs)
    decision = target_contracts(etude)
    keep = decision["retenu"].astype(bool)
    if "clause_insertion" in decision.columns:  # hours only for the purchases with an insertion clause
        keep &= decision["clause_insertion"].fillna(False).astype(bool)
    ids = decision.loc[keep, "id_achat"].astype(str).tolist()
    table = planned.set_index(planned["id_achat"].astype(str)).reindex(ids).dropna(subset=["id_achat"])
    table, dropped = _without_segment(table.reset_index(drop=True))
    note = (f"Marchés ciblés : décision « marchés cibles » de la phase 06 : {len(table)} achat(s) prévu(s) "
            f"retenu(s) avec une clause d'insertion.{dropped}")
    gap = hours.targets_gap_text(int(decision["retenu"].astype(bool).sum()), len(table),
                                 hours.targets_without_hours(decision, table["id_achat"].astype(str), planned))
    if gap:
        note += f" {gap[0].upper()}{gap[1:]}"
    if table.empty:
        note += " Aucun : la calculatrice garde ses valeurs par défaut."
    return table.reset_index(drop=True), note
