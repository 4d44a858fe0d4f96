"""Multi-criteria score of the purchase segments (Fiche C1 II.a, « secteurs prioritaires »).

Criteria, their direction, default weight and normalisation are data:
``data_samples/referentiels/criteres_priorisation.csv``. Each criterion is
normalised to [0, 1] across segments:

* direction « hausse »: ``(x − min) / (max − min)``;
* direction « baisse »: ``(max − x) / (max − min)``;
* a criterion equal for every measured segment does not discriminate: 0 for all;
* ``offre_inclusive`` is the mean of the min–max of the number of structures
  and of their capacity (ETP).

A criterion that cannot be measured for a segment (no BMO trade, no contract
with a known social-consideration status, no job-seeker table…) is left
missing, never replaced by 0: the score of that segment is the weighted mean
of its measured criteria, ``score = Σ wᵢ·xᵢ / Σ wᵢ`` over the measured ones,
and the missing criteria are listed in ``criteres_non_mesures``.

Robustness: each weight is multiplied by an independent uniform factor in
[1 − 25 %, 1 + 25 %] (``numpy.random.default_rng(seed)``, 1,000 draws); the
probability of staying in the top N is the share of draws where the segment is
among the N best scores. Ties are broken by ``segment_id`` (alphabetical), in
the ranking and in every draw.
"""

from __future__ import annotations

import difflib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from diversification.indicators.figure_memo import remembered
from diversification.indicators import ecosystem, purchases
from diversification.indicators.decision_tables import decision_not_computed
from diversification.indicators.purchases import social_shares
from diversification.inputs import hand_choices
from diversification.inputs.errors import ConfigError
from diversification.inputs.referentiels import load_referentiel, split_list

DIRECTION_UP, DIRECTION_DOWN = "hausse", "baisse"
CRITERION_PREFIX = "critere_"
#: Raw columns of :func:`compute_criteria` used by each criterion.
RAW_COLUMNS = {
    "volume_achats": ["volume_achats"],
    "intensite_main_oeuvre": ["intensite_main_oeuvre"],
    "adequation_publics": ["adequation_publics"],
    "tension_recrutement": ["tension_recrutement"],
    "faible_couverture": ["part_consideration_sociale"],
    "offre_inclusive": ["nb_structures_inclusives", "capacite_etp_inclusive"],
    "transition_ecologique": ["nb_metiers_verts"],
    "priorite_politique": ["priorite_politique"],
}
DEFAULT_TOP_N = 5
#: Seed of the Monte-Carlo draws of the robustness of the ranking (reproducible runs).
DEFAULT_SEED = 2025
DEFAULT_DRAWS = 1000
DEFAULT_SPREAD = 0.25


# --- criteria and weights ---------------------------------------------------------------

def load_criteria() -> pd.DataFrame:
    """The criteria table (``criteres_priorisation.csv``), ``poids_defaut`` as float."""
    table = load_referentiel("criteres_priorisation")
    table["poids_defaut"] = table["poids_defaut"].astype(float)
    return table


def criteria_weights(overrides: dict | None = None, criteria: pd.DataFrame | None = None) -> pd.Series:
    """Weights by criterion id: the defaults, overridden by ``poids_criteres`` of territoire.yaml.

    Raises :class:`ConfigError` (French) on an unknown criterion (closest known
    id suggested), a weight that is not a positive number, or weights all zero.
    """
    criteria = load_criteria() if criteria is None else criteria
    weights = pd.Series(criteria["poids_defaut"].to_numpy(dtype=float), index=criteria["critere_id"], name="poids")
    known = list(weights.index)
    for key, value in (overrides or {}).items():
        if key not in weights.index:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.4)
            hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
            raise ConfigError(
                f"territoire.yaml : poids_criteres : critère inconnu « {key} ».{hint} "
                f"Critères admis : {', '.join(known)}."
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise ConfigError(f"territoire.yaml : poids_criteres.{key} : poids « {value} » refusé (nombre positif ou nul attendu).")
        weights[key] = float(value)
    if weights.sum() <= 0:
        raise ConfigError("territoire.yaml : poids_criteres : tous les poids sont nuls, aucun classement possible.")
    return weights


def configured_weights(config) -> pd.Series:
    """The weights of a territory: the defaults, overridden by ``poids_criteres``, then by the weights chosen by hand
    in notebook 04 (``choix_a_la_main.poids_criteres``, « Retenir ces pondérations »)."""
    return criteria_weights(weight_overrides(config))


def weight_overrides(config) -> dict:
    """The weights of the configuration that replace a default (``poids_criteres``, then the hand choice)."""
    overrides = dict(config.get("poids_criteres") or {})
    choice = hand_choices.weights_choice(config)
    if choice is not None:
        overrides.update(choice.valeurs)
    return overrides


def _latest_year(table: pd.DataFrame, annee: int) -> pd.DataFrame:
    years = table["annee"].dropna().astype(int)
    if years.empty:
        return table.iloc[0:0]
    below = years[years <= annee]
    year = int(below.max()) if not below.empty else int(years.max())
    return table[table["annee"] == year]


# --- raw criteria -----------------------------------------------------------------------

def job_seekers_by_segment(demandeurs: pd.DataFrame | None, public_ids: list[str], annee: int,
                           segments: pd.DataFrame | None = None) -> pd.Series:
    """Job seekers of the retained publics seeking one of the segment's ROME trades (latest year ≤ annee).

    A job-seeker cell counts once even when it belongs to several retained
    publics. Missing (NaN) for every segment when there is no table or no public.
    """
    segments = load_referentiel("segments") if segments is None else segments
    index = pd.Index(segments["segment_id"], name="segment_id")
    if demandeurs is None or demandeurs.empty or not public_ids:
        return pd.Series(np.nan, index=index, name="adequation_publics")
    publics = load_referentiel("publics").set_index("public_id")
    dem = _latest_year(demandeurs, annee).reset_index(drop=True)
    mask = pd.Series(False, index=dem.index)
    for pid in public_ids:
        mask |= dem.index.isin(dem.query(publics.loc[pid, "regle_demandeurs"]).index)
    by_rome = dem[mask].groupby("code_rome")["effectif"].sum()
    values = [float(sum(by_rome.get(code, 0) for code in split_list(codes))) for codes in segments["codes_rome"]]
    return pd.Series(values, index=index, name="adequation_publics")


def compute_criteria(*, prepared_decp: pd.DataFrame, planned: pd.DataFrame | None, job_seekers: pd.Series,
                     opportunities: pd.DataFrame, supply: pd.DataFrame, policy: list[str],
                     segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Raw value of every criterion for every segment (one row per segment, reference order).

    * ``volume_achats`` = partner buyers' valid DECP amount ÷ number of years
      of the DECP table + estimated amount of planned purchases (€);
    * ``intensite_main_oeuvre`` = (part_main_oeuvre_min + part_main_oeuvre_max) / 2;
    * ``adequation_publics``: :func:`job_seekers_by_segment`;
    * ``tension_recrutement``: share of difficult BMO projects;
    * ``part_consideration_sociale``: share of DECP contracts (all buyers, known
      status) with a social consideration;
    * ``nb_structures_inclusives``, ``capacite_etp_inclusive``;
    * ``nb_metiers_verts``; ``priorite_politique`` (1 or 0).
    """
    segments = load_referentiel("segments") if segments is None else segments
    out = segments[["segment_id", "libelle"]].copy().set_index("segment_id")
    decp = prepared_decp
    n_years = int(decp["annee"].dropna().nunique()) if len(decp) else 0
    partners = decp[decp["partenaire"]]
    valid = partners["montant_valide"].fillna(False).astype(bool)
    past = (partners["montant_final"].astype("Float64").where(valid, 0.0).fillna(0.0).astype(float)
            .groupby(partners["segment"].astype(str)).sum())
    past = past / n_years if n_years else past * 0
    volume = past.reindex(out.index).fillna(0.0)
    if planned is not None and not planned.empty:
        volume = volume + planned.groupby("segment")["montant_estime_ht"].sum().reindex(out.index).fillna(0.0)
    out["volume_achats"] = volume.astype(float).round(2)
    seg = segments.set_index("segment_id")
    out["intensite_main_oeuvre"] = ((seg["part_main_oeuvre_min"].astype(float) + seg["part_main_oeuvre_max"].astype(float)) / 2).round(6)
    out["adequation_publics"] = job_seekers.reindex(out.index).astype(float)
    opp = opportunities.set_index("segment_id")
    out["tension_recrutement"] = opp["part_difficiles"].astype("Float64").astype(float).reindex(out.index).round(6)
    shares = social_shares(decp, ["segment"]).set_index("segment")["part_nb"].astype("Float64").astype(float)
    out["part_consideration_sociale"] = shares.reindex(out.index).round(6)
    sup = supply.set_index("segment_id")
    out["nb_structures_inclusives"] = sup["nb_structures"].reindex(out.index).fillna(0).astype(float)
    out["capacite_etp_inclusive"] = sup["capacite_etp"].reindex(out.index).fillna(0).astype(float).round(6)
    out["nb_metiers_verts"] = opp["nb_metiers_verts"].reindex(out.index).fillna(0).astype(float)
    out["priorite_politique"] = out.index.isin([str(p) for p in policy or []]).astype(float)
    return out.reset_index()


def criteria_from_study(etude, publics: pd.DataFrame) -> pd.DataFrame:
    """:func:`compute_criteria` on the inputs of a study and the ``publics_prioritaires`` decision."""
    acheteurs = etude.config.acheteurs
    prepared = purchases.prepare_decp(etude.table("decp"), acheteurs)
    planned = (purchases.planned_purchases(etude.table("achats_prevus"), acheteurs)
               if etude.available("achats_prevus") else None)
    trades = (purchases.trades_in_tension(etude.table("metiers_tension"), etude.annee)
              if etude.available("metiers_tension") else None)
    structures = etude.table("structures_inclusives") if etude.available("structures_inclusives") else None
    retained = publics.loc[publics["retenu"].astype(bool), "public_id"].astype(str).tolist()
    demandeurs = etude.table("demandeurs_emploi") if etude.available("demandeurs_emploi") else None
    return compute_criteria(
        prepared_decp=prepared,
        planned=planned,
        job_seekers=job_seekers_by_segment(demandeurs, retained, etude.annee),
        opportunities=purchases.segment_opportunities(trades),
        supply=ecosystem.inclusive_supply(structures),
        policy=list(etude.config.get("priorites_politiques") or []),
    )


# --- normalisation, score, ranking ------------------------------------------------------

def min_max(values: pd.Series, direction: str = DIRECTION_UP) -> pd.Series:
    """Min–max to [0, 1] over the non-missing values; missing stays missing; constant → 0."""
    x = values.astype(float)
    low, high = x.min(skipna=True), x.max(skipna=True)
    if not np.isfinite(low) or high == low:
        return x.where(x.isna(), 0.0)
    if direction == DIRECTION_DOWN:
        return (high - x) / (high - low)
    if direction != DIRECTION_UP:
        raise ValueError(f"sens de critère inconnu : « {direction} » (hausse ou baisse attendu)")
    return (x - low) / (high - low)


def normalise_criteria(raw: pd.DataFrame, criteria: pd.DataFrame | None = None) -> pd.DataFrame:
    """One column per criterion id, values in [0, 1] (or missing), index = ``segment_id``."""
    criteria = load_criteria() if criteria is None else criteria
    data = raw.set_index("segment_id")
    out = pd.DataFrame(index=data.index)
    for crit in criteria.itertuples(index=False):
        columns = RAW_COLUMNS[crit.critere_id]
        parts = [min_max(data[c], crit.sens) for c in columns]
        out[crit.critere_id] = sum(parts) / len(parts) if len(parts) > 1 else parts[0]
    return out.round(12)


def _score_matrix(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores of every segment (rows) for every weight vector (columns of ``weights``)."""
    measured = ~np.isnan(values)
    filled = np.where(measured, values, 0.0)
    numerator = filled @ weights
    denominator = measured.astype(float) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def score_segments(normalised: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Weighted score (mean of the measured criteria) and rank (1 = first; ties by segment_id)."""
    w = weights.reindex(normalised.columns).to_numpy(dtype=float)
    scores = _score_matrix(normalised.to_numpy(dtype=float), w[:, None])[:, 0]
    out = pd.DataFrame({"segment_id": normalised.index, "score": np.round(scores, 10)})
    missing = normalised.isna()
    out["criteres_non_mesures"] = [", ".join(c for c in normalised.columns if missing.loc[s, c] and weights.get(c, 0) > 0)
                                   for s in normalised.index]
    out = out.sort_values(["score", "segment_id"], ascending=[False, True], na_position="last").reset_index(drop=True)
    out["rang"] = np.arange(1, len(out) + 1)
    return out


def top_n_probability(normalised: pd.DataFrame, weights: pd.Series, *, top_n: int = DEFAULT_TOP_N,
                      n_draws: int = DEFAULT_DRAWS, spread: float = DEFAULT_SPREAD, seed: int = DEFAULT_SEED) -> pd.Series:
    """Probability of each segment to be in the top ``top_n`` when weights are perturbed (seeded Monte Carlo).

    One matrix product for all draws: weights (k) × factors (draws × k), uniform
    in [1 − spread, 1 + spread].
    """
    if top_n < 1:
        raise ValueError("top_n doit être au moins 1")
    ordered = normalised.sort_index()
    w = weights.reindex(ordered.columns).to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(n_draws, len(w)))
    scores = _score_matrix(ordered.to_numpy(dtype=float), (factors * w).T)  # segments × draws
    scores = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-scores, axis=0, kind="stable")  # ties: alphabetical segment_id (row order)
    counts = np.bincount(order[: min(top_n, len(ordered))].ravel(), minlength=len(ordered))
    proba = pd.Series(counts / n_draws, index=ordered.index, name="proba_top_n")
    return proba.reindex(normalised.index)


def prioritise_segments(raw: pd.DataFrame, weights: pd.Series, *, top_n: int = DEFAULT_TOP_N,
                        n_draws: int = DEFAULT_DRAWS, spread: float = DEFAULT_SPREAD, seed: int = DEFAULT_SEED,
                        criteria: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``segments_prioritaires`` decision table, sorted by rank.

    Columns: segment_id, libelle, score, rang, proba_top_n, retenu (rang ≤ top_n),
    ``critere_<id>`` (normalised value of each criterion), criteres_non_mesures.
    """
    normalised = normalise_criteria(raw, criteria)
    ranking = score_segments(normalised, weights)
    proba = top_n_probability(normalised, weights, top_n=top_n, n_draws=n_draws, spread=spread, seed=seed)
    out = ranking.merge(raw[["segment_id", "libelle"]], on="segment_id", how="left")
    out["proba_top_n"] = out["segment_id"].map(proba).astype(float)
    out["retenu"] = out["rang"] <= top_n
    crit = normalised.add_prefix(CRITERION_PREFIX).reset_index()
    out = out.merge(crit, on="segment_id", how="left")
    columns = ["segment_id", "libelle", "score", "rang", "proba_top_n", "retenu",
               *[c for c in crit.columns if c != "segment_id"], "criteres_non_mesures"]
    return out[columns]


def weights_table(weights: pd.Series, criteria: pd.DataFrame | None = None, overrides: dict | None = None,
                  hand: hand_choices.HandChoice | None = None) -> pd.DataFrame:
    """French table of the criteria with the weight used and where it comes from (``hand``: the weights chosen by
    hand in notebook 04, which win over ``overrides``)."""
    criteria = load_criteria() if criteria is None else criteria
    out = criteria[["critere_id", "libelle", "sens", "normalisation", "poids_defaut"]].copy()
    out["poids"] = out["critere_id"].map(weights).astype(float)
    out["origine du poids"] = np.where(out["critere_id"].isin(list(overrides or {})),
                                       "configuration du territoire", "défaut du kit (hypothèse)")
    if hand is not None:
        out.loc[out["critere_id"].isin(list(hand.valeurs)), "origine du poids"] = hand.sentence()
    return out


@remembered
def chart_robustness(decision: pd.DataFrame, top_n: int = DEFAULT_TOP_N) -> tuple[plt.Figure, pd.DataFrame]:
    """Bar chart of the probability of staying in the top N, segments in rank order."""
    data = decision[["libelle", "rang", "proba_top_n"]].sort_values("rang").reset_index(drop=True)
    if decision_not_computed(decision) is not None:  # no ranking: a figure that says so
        fig, ax = plt.subplots(figsize=(9, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "Classement non calculé : données du territoire absentes", ha="center", va="center")
        plt.close(fig)
        return fig, data.iloc[:0]
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.35 * len(data) + 1)))
    shown = data.iloc[::-1]
    colors = ["#2f5f98" if r <= top_n else "#b0b0b0" for r in shown["rang"]]
    ax.barh(shown["libelle"], shown["proba_top_n"] * 100, color=colors)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Probabilité de rester parmi les {top_n} premiers (%)")
    ax.set_ylabel("Segment d'achat (par rang)")
    ax.set_title("Robustesse du classement : poids perturbés de ±25 %")
    fig.tight_layout()
    plt.close(fig)
    return fig, data


def key_figures(decision: pd.DataFrame, top_n: int = DEFAULT_TOP_N) -> str:
    """Stable French lines (pinned nbval cell)."""
    reason = decision_not_computed(decision)
    if reason is not None:
        return reason
    lines = [f"Segments classés : {len(decision)} ; retenus : {int(decision['retenu'].sum())}"]
    for row in decision.sort_values("rang").head(top_n).itertuples(index=False):
        lines.append(f"{row.rang}. {row.segment_id} : score {row.score:.3f}, P(top {top_n}) = {row.proba_top_n:.2f}"
                     + (" (retenu)" if row.retenu else ""))
    return "\n".join(lines)


# --- study helpers ----------------------------------------------------------------------

def retained_segments(decision: pd.DataFrame) -> list[str]:
    """Retained segment ids of a ``segments_prioritaires`` decision, in rank order when it has a ``rang``."""
    table = decision[decision["retenu"].astype(bool)]
    if "rang" in table.columns:
        table = table.sort_values(["rang", "segment_id"], kind="stable")
    return table["segment_id"].astype(str).tolist()


def decision_note(decision: pd.DataFrame, top_n: int = DEFAULT_TOP_N) -> str:
    """French sentence: how the priority segments were decided (computed, pinned, or why not computed)."""
    reason = decision_not_computed(decision)
    if reason is not None:
        return f"**{reason}**"
    retained = decision.sort_values("rang")
    names = ", ".join(retained.loc[retained["retenu"].astype(bool), "libelle"].astype(str))
    if (decision["origine"] == "épinglée par la configuration").any():
        return (f"**Décision épinglée par la configuration** (`decisions_epinglees.segments_prioritaires` de "
                f"territoire.yaml) : segments retenus : {names}. Le score et le rang calculés restent affichés "
                "pour information.")
    return f"Décision calculée : les {top_n} segments les mieux classés sont retenus : {names}."


def criteria_note(raw: pd.DataFrame) -> str:
    """French sentence listing the criteria that could not be measured for every segment."""
    missing = {c: int(raw[c].isna().sum()) for c in raw.columns if c not in ("segment_id", "libelle")}
    parts = [f"{c} ({n} segment(s))" for c, n in missing.items() if n]
    if not parts:
        return "Tous les critères sont mesurés pour tous les segments."
    return ("Valeurs non mesurées (laissées vides, jamais remplacées par 0 : le score du segment est la moyenne "
            "pondérée de ses critères mesurés) : " + " ; ".join(parts) + ".")
