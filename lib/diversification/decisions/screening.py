"""Screening of the planned purchases and recommendation per purchase (Fiche C1 §II.b).

Definitions (one home for each):

* **Examination threshold** of a purchase (€ HT, by nature travaux / services /
  fournitures): the buyer's own ``seuils`` in ``territoire.yaml``, else the
  territory's ``seuils``, else the kit default of ``seuils.csv`` (hypothèse).
  A purchase is **below threshold** when its estimated amount
  (``montant_estime_ht``, else ``montant_max_ht``) is strictly lower. No
  segment is excluded a priori.
* **Local inclusive structures** of a segment: structures of the directory
  (``structures_inclusives``) whose sectors map to the segment through
  ``secteurs_structures.csv`` and whose ``departement`` is one of the
  territory's ``departements``. SIAE = EI, AI, ACI, ETTI, EITI; EA/ESAT = EA,
  EATT, ESAT; « toutes » adds GEIQ and OPCS.
* **Economic dependency** of a type of structures on a purchase: yearly work
  hours of the purchase ÷ yearly hours of the local structures of that type,
  ``(montant / max(durée, 1) × 12 × part de main-d'œuvre / coût horaire) ÷
  (capacité ETP × heures_annuelles_etp)`` (1 607 h). Part de main-d'œuvre = middle of the segment's
  range (``segments.csv``), coût horaire = ``cout_horaire_moyen`` (``parametres.csv``); the hour
  parameters include the territory's ``parametres`` overrides. Missing when the capacity is unknown or zero (a rule
  with a maximum dependency then does not apply).
* **Recommendation**: the first rule of ``regles_recommandation.csv`` (by
  ``ordre``) whose every filled condition holds; an empty condition always
  holds, a condition on a missing value never holds.
* **Flags**: duration under ``duree_minimale_mois`` months; likely
  consortium (works ≥ ``seuil_groupement_ht`` € HT in two lots or
  more, or more than ``lots_groupement`` lots); uncertain volumes
  (framework agreement, or a minimum lower than the maximum); execution at a
  distance (``execution_a_distance`` of the segment); first time (no row of the
  clause follow-up for this buyer and segment, any year).
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pandas as pd

from diversification.indicators.ecosystem import likely_bidders, structures_by_segment
from diversification.indicators.hours import HourParameters, load_parameters
from diversification.indicators.purchases import prepare_decp
from diversification.inputs import formatting
from diversification.inputs.referentiels import load_referentiel, split_list
from diversification.inputs.segments import map_cpv_series

RULES_TABLE = "regles_recommandation"
NOT_RETAINED = "non retenu"
CLAUSE = "clause d'insertion"
RESERVED = "marché réservé"
CRITERION = "critère social"


SIAE_TYPES = ("EI", "AI", "ACI", "ETTI", "EITI")
EA_ESAT_TYPES = ("EA", "EATT", "ESAT")
STRUCTURE_GROUPS = {"siae": SIAE_TYPES, "ea_esat": EA_ESAT_TYPES, "toutes": None}

ORIGIN_BUYER = "seuil de l'acheteur"
ORIGIN_TERRITORY = "seuil du territoire"
ORIGIN_DEFAULT = "seuil par défaut du kit (hypothèse)"

FLAG_LABELS = {
    "duree_courte": "durée inférieure à {duree_minimale_mois:g} mois",
    "groupement_probable": "groupement d'entreprises probable",
    "volumes_incertains": "volumes incertains ou irréguliers (accord-cadre : fixer un minimum)",
    "execution_a_distance": "exécution à distance probable",
    "premiere_fois": "première clause de l'acheteur sur ce segment",
}

_RULE_NUMBERS = ("ordre", "nb_structures_min", "nb_structures_max", "dependance_max", "duree_min_mois",
                 "montant_min_ht", "lots_min")


# --- formatting ------------------------------------------------------------------------------

def euros(value: object) -> str:
    """French amount without decimals: 90000 → « 90 000 » (narrow no-break spaces)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "montant inconnu"
    return formatting.integer(value)


# --- thresholds ----------------------------------------------------------------------------------

def default_thresholds(table: pd.DataFrame | None = None) -> dict[str, float]:
    """Nature → default threshold (€ HT) of ``seuils.csv``."""
    table = load_referentiel("seuils") if table is None else table
    return {str(r.nature): float(r.seuil_ht) for r in table.itertuples(index=False)}


def resolve_threshold(nature: str, buyer: dict | None, territory_seuils: dict | None,
                      defaults: dict[str, float]) -> tuple[float | None, str]:
    """(threshold, French origin) for one nature: buyer, else territory, else kit default."""
    for source, origin in (((buyer or {}).get("seuils"), ORIGIN_BUYER), (territory_seuils, ORIGIN_TERRITORY)):
        if isinstance(source, dict) and source.get(nature) is not None:
            return float(source[nature]), origin
    if nature in defaults:
        return float(defaults[nature]), ORIGIN_DEFAULT
    return None, "aucun seuil connu pour cette nature"


def thresholds_table(config: dict, defaults: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per partner buyer × nature: threshold (€ HT) and where it comes from."""
    defaults = default_thresholds() if defaults is None else defaults
    rows = []
    for buyer in config.get("acheteurs") or []:
        for nature in ("travaux", "services", "fournitures"):
            value, origin = resolve_threshold(nature, buyer, config.get("seuils"), defaults)
            rows.append({"acheteur_siret": str(buyer.get("siret")), "acheteur_nom": buyer.get("nom"),
                         "nature": nature, "seuil_ht": value, "origine_seuil": origin})
    return pd.DataFrame(rows, columns=["acheteur_siret", "acheteur_nom", "nature", "seuil_ht", "origine_seuil"])


# --- rules --------------------------------------------------------------------------------------

def load_rules(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rules table, numbers parsed (empty → missing), sorted by ``ordre``."""
    rules = load_referentiel(RULES_TABLE) if table is None else table.copy()
    for col in _RULE_NUMBERS:
        rules[col] = pd.to_numeric(rules[col].replace("", None), errors="raise").astype(float)
    for col in ("sous_seuil", "groupes_segment", "type_structures"):
        rules[col] = rules[col].fillna("").astype(str).str.strip().str.lower()
    bad = sorted(set(rules["type_structures"]) - {"", *STRUCTURE_GROUPS})
    if bad:
        raise ValueError(f"{RULES_TABLE} : type_structures inconnu : {', '.join(bad)}")
    return rules.sort_values(["ordre", "regle_id"], kind="stable").reset_index(drop=True)


def _holds(value: object, low: float, high: float | None = None) -> bool:
    """Condition ``low ≤ value (≤ high)``; an empty bound holds; a missing value fails a filled bound."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    if not math.isnan(low) and (missing or float(value) < low):
        return False
    if high is not None and not math.isnan(high) and (missing or float(value) > high):
        return False
    return True


def rule_matches(rule, purchase: dict) -> bool:
    """Whether every filled condition of ``rule`` (a row of :func:`load_rules`) holds for ``purchase``."""
    if rule.sous_seuil in ("vrai", "true", "oui") and purchase.get("sous_seuil") is not True:
        return False
    if rule.sous_seuil in ("faux", "false", "non") and purchase.get("sous_seuil") is not False:
        return False
    if rule.groupes_segment and purchase.get("groupe_segment") not in split_list(rule.groupes_segment):
        return False
    kind = rule.type_structures or "toutes"
    if not _holds(purchase.get(f"nb_{kind}"), rule.nb_structures_min, rule.nb_structures_max):
        return False
    if not math.isnan(rule.dependance_max) and not _holds(purchase.get(f"dependance_{kind}"), float("nan"),
                                                          rule.dependance_max):
        return False
    return (_holds(purchase.get("duree_mois"), rule.duree_min_mois)
            and _holds(purchase.get("montant_examine_ht"), rule.montant_min_ht)
            and _holds(purchase.get("allotissement") or 1, rule.lots_min))


class _Blank(dict):
    def __missing__(self, key):
        return "?"


def _reason(template: str, purchase: dict) -> str:
    values = _Blank(
        montant=euros(purchase.get("montant_examine_ht")), seuil=euros(purchase.get("seuil_ht")),
        nature=purchase.get("nature"), origine_seuil=purchase.get("origine_seuil"),
        nb_siae=purchase.get("nb_siae"), nb_ea_esat=purchase.get("nb_ea_esat"),
        nb_structures=purchase.get("nb_toutes"), lots=purchase.get("allotissement") or 1,
        duree=purchase.get("duree_mois"),
    )
    return template.format_map(values)


def recommend(purchase: dict, rules: pd.DataFrame) -> dict:
    """``regle_id``, ``recommandation`` and ``motif`` of the first matching rule (by order)."""
    for rule in rules.itertuples(index=False):
        if rule_matches(rule, purchase):
            return {"regle_id": rule.regle_id, "recommandation": rule.recommandation,
                    "motif": _reason(rule.motif, purchase)}
    return {"regle_id": "", "recommandation": NOT_RETAINED,
            "motif": "Aucune règle du tableau de recommandation ne s'applique à cet achat."}


# --- features of a purchase -----------------------------------------------------------------

def local_supply(structures: pd.DataFrame | None, departements: list[str]) -> pd.DataFrame:
    """Per segment: number and capacity (ETP) of local SIAE, EA/ESAT and all inclusive structures."""
    columns = ["segment_id"] + [f"{m}_{k}" for k in STRUCTURE_GROUPS for m in ("nb", "capacite")]
    if structures is None or structures.empty:
        return pd.DataFrame(columns=columns)
    links = structures_by_segment(structures)
    wanted = {str(d).zfill(2) for d in departements}
    dept = links["departement"].astype("string").str.strip().str.zfill(2)
    links = links[dept.isin(wanted).fillna(False).astype(bool)]
    out = pd.DataFrame({"segment_id": sorted(links["segment_id"].unique())})
    for kind, types in STRUCTURE_GROUPS.items():
        part = links if types is None else links[links["type"].isin(types)]
        agg = part.groupby("segment_id").agg(nb=("siret", "nunique"), cap=("capacite_etp", "sum"))
        out[f"nb_{kind}"] = out["segment_id"].map(agg["nb"]).fillna(0).astype(int)
        out[f"capacite_{kind}"] = out["segment_id"].map(agg["cap"].astype(float)).fillna(0.0).astype(float)
    return out[columns]


def _labour_share(segments: pd.DataFrame) -> dict[str, float]:
    mid = (segments["part_main_oeuvre_min"].astype(float) + segments["part_main_oeuvre_max"].astype(float)) / 2
    return dict(zip(segments["segment_id"], mid))


def _value(x: object) -> object:
    if x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    return x


def flags_of(purchase: dict, params: HourParameters | None = None) -> dict:
    """The flags of one purchase (booleans; ``premiere_fois`` may be None when unknown); thresholds of
    ``params`` (:func:`diversification.indicators.hours.load_parameters`: reference values and territory overrides)."""
    params = params or load_parameters()
    duration = purchase.get("duree_mois")
    lots = purchase.get("allotissement") or 1
    amount = purchase.get("montant_examine_ht")
    forme = str(purchase.get("forme") or "").lower()
    low, high = purchase.get("montant_min_ht"), purchase.get("montant_max_ht")
    return {
        "duree_courte": duration is not None and duration < params.duree_minimale_mois,
        "groupement_probable": bool(lots > params.lots_groupement or (
            purchase.get("nature") == "travaux" and amount is not None and amount >= params.seuil_groupement_ht
            and lots >= 2)),
        "volumes_incertains": bool(forme.startswith("accord-cadre") or (
            low is not None and high is not None and high > low)),
        "execution_a_distance": bool(purchase.get("execution_a_distance")),
        "premiere_fois": purchase.get("premiere_fois"),
    }


def flag_labels(params: HourParameters | None = None) -> dict[str, str]:
    """French label of each flag, with the thresholds of ``params`` (reference values by default)."""
    params = params or load_parameters()
    return {key: label.format(duree_minimale_mois=params.duree_minimale_mois) for key, label in FLAG_LABELS.items()}


def flags_text(row: dict, params: HourParameters | None = None) -> str:
    """French list of the raised flags, « aucun » when none."""
    raised = [label for key, label in flag_labels(params).items() if row.get(key) is True]
    return " ; ".join(raised) if raised else "aucun"


def clause_history(suivi: pd.DataFrame | None) -> set[tuple[str, str]] | None:
    """(buyer SIRET, segment) pairs that already had a clause in the follow-up (None when unknown)."""
    if suivi is None:
        return None
    pairs = suivi[["acheteur_siret", "segment"]].dropna().astype(str)
    return set(map(tuple, pairs.drop_duplicates().to_numpy().tolist()))


SCREENING_COLUMNS = [
    "id_achat", "acheteur_siret", "acheteur_nom", "acheteur_type", "objet", "code_cpv", "segment_id",
    "segment_libelle", "groupe_segment", "nature", "forme", "montant_estime_ht", "montant_min_ht", "montant_max_ht",
    "montant_examine_ht", "duree_mois", "allotissement", "seuil_ht", "origine_seuil", "sous_seuil",
    "nb_siae", "nb_ea_esat", "nb_toutes", "heures_travail_annuelles", "dependance_siae", "dependance_ea_esat",
    "dependance_toutes", *FLAG_LABELS, "signalements", "regle_id", "recommandation", "motif",
]


def screen_purchases(
    achats: pd.DataFrame,
    config: dict,
    *,
    structures: pd.DataFrame | None = None,
    suivi: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    defaults: dict[str, float] | None = None,
    segments: pd.DataFrame | None = None,
    hourly_cost: float | None = None,
    params: HourParameters | None = None,
) -> pd.DataFrame:
    """One row per planned purchase: threshold, local supply, dependency, flags and recommendation.

    ``config`` is the raw ``territoire.yaml`` dict (``acheteurs``, ``seuils``,
    ``departements``, ``parametres``). Sorted by buyer (order of the configuration) then ``id_achat``.
    ``params``: the hour parameters (by default the reference values with the ``parametres`` of
    ``config``); ``hourly_cost`` replaces their ``cout_horaire``.
    """
    params = params or load_parameters(config.get("parametres"))
    rules = load_rules() if rules is None else rules
    defaults = default_thresholds() if defaults is None else defaults
    segments = load_referentiel("segments") if segments is None else segments
    hourly_cost = params.cout_horaire if hourly_cost is None else hourly_cost
    buyers = {str(b.get("siret")): b for b in config.get("acheteurs") or []}
    order = {s: i for i, s in enumerate(buyers)}
    departements = [str(d) for d in config.get("departements") or []]
    supply = local_supply(structures, departements).set_index("segment_id")
    seg = segments.set_index("segment_id")
    labour = _labour_share(segments)
    history = clause_history(suivi)
    seg_ids = map_cpv_series(achats["code_cpv"]) if "code_cpv" in achats else pd.Series(pd.NA, index=achats.index)
    records = []
    for (_, row), segment in zip(achats.iterrows(), seg_ids):
        p = {k: _value(v) for k, v in row.items()}
        segment = None if segment is None or segment is pd.NA else str(segment)
        siret = str(p.get("acheteur_siret"))
        buyer = buyers.get(siret)
        amount = p.get("montant_estime_ht") if p.get("montant_estime_ht") is not None else p.get("montant_max_ht")
        seuil, origin = resolve_threshold(str(p.get("nature")), buyer, config.get("seuils"), defaults)
        rec = {
            **{k: p.get(k) for k in ("id_achat", "objet", "code_cpv", "nature", "forme", "montant_estime_ht",
                                      "montant_min_ht", "montant_max_ht", "duree_mois", "allotissement")},
            "acheteur_siret": siret,
            "acheteur_nom": (buyer or {}).get("nom", "Acheteur hors partenariat"),
            "acheteur_type": (buyer or {}).get("type"),
            "segment_id": segment,
            "segment_libelle": seg["libelle"].get(segment, "segment non déterminé") if segment else "segment non déterminé",
            "groupe_segment": seg["groupe"].get(segment) if segment else None,
            "montant_examine_ht": amount,
            "seuil_ht": seuil,
            "origine_seuil": origin,
            "sous_seuil": None if amount is None or seuil is None else bool(amount < seuil),
            "execution_a_distance": bool(seg["execution_a_distance"].get(segment, False)) if segment else False,
            "premiere_fois": None if history is None else (segment is not None and (siret, segment) not in history),
        }
        months = max(int(rec["duree_mois"] or 0), 1)
        hours = None
        if amount is not None and segment in labour:
            hours = amount / months * 12 * labour[segment] / hourly_cost
        rec["heures_travail_annuelles"] = None if hours is None else round(hours, 1)
        for kind in STRUCTURE_GROUPS:
            n = int(supply[f"nb_{kind}"].get(segment, 0)) if segment in supply.index else 0
            cap = float(supply[f"capacite_{kind}"].get(segment, 0.0)) if segment in supply.index else 0.0
            rec[f"nb_{kind}"] = n
            rec[f"dependance_{kind}"] = (round(hours / (cap * params.heures_annuelles_etp), 4)
                                         if hours is not None and cap > 0 else None)
        rec.update(flags_of(rec, params))
        rec["signalements"] = flags_text(rec, params)
        rec.update(recommend(rec, rules))
        rec["_o"] = order.get(siret, len(order))
        records.append(rec)
    table = pd.DataFrame(records, columns=[*SCREENING_COLUMNS, "_o"])
    table = table.sort_values(["_o", "id_achat"], kind="stable").drop(columns="_o").reset_index(drop=True)
    for col in ("montant_estime_ht", "montant_min_ht", "montant_max_ht", "montant_examine_ht", "seuil_ht",
                "heures_travail_annuelles", "dependance_siae", "dependance_ea_esat", "dependance_toutes"):
        table[col] = table[col].astype("Float64")
    for col in ("duree_mois", "allotissement", "nb_siae", "nb_ea_esat", "nb_toutes"):
        table[col] = table[col].astype("Int64")
    for col in ("sous_seuil", "premiere_fois"):
        table[col] = table[col].astype("boolean")
    for col in ("duree_courte", "groupement_probable", "volumes_incertains", "execution_a_distance"):
        table[col] = table[col].astype(bool)
    table.attrs["parametres"] = asdict(params)  # the thresholds used, for the labels of flag_counts
    return table


def screen_study(etude) -> pd.DataFrame:
    """:func:`screen_purchases` on the inputs of a study (empty table without planned purchases)."""
    if not etude.available("achats_prevus"):
        return pd.DataFrame(columns=SCREENING_COLUMNS)
    raw = dict(etude.config.raw)
    raw["departements"] = etude.config.departements
    return screen_purchases(
        etude.table("achats_prevus"), raw,
        structures=etude.table("structures_inclusives") if etude.available("structures_inclusives") else None,
        suivi=etude.table("suivi_clauses") if etude.available("suivi_clauses") else None,
    )


def no_purchases_note(etude) -> str:
    """French Markdown sentence when the planned purchases cannot be screened, else ""."""
    if etude.available("achats_prevus"):
        return ""
    return (f"*Pas de repérage des achats prévus : {etude.unavailable_reason('achats_prevus')}. "
            "Demandez aux acheteurs partenaires leur programmation des achats (objet, code CPV, nature, montant "
            "estimé, date et durée) pour préparer la réunion ; les argumentaires par segment restent utilisables.*")


# --- summaries ---------------------------------------------------------------------------

def screening_for_display(screened: pd.DataFrame) -> pd.DataFrame:
    """The screening with French headers (for the notebook)."""
    return screened[["id_achat", "acheteur_nom", "objet", "segment_libelle", "nature", "montant_examine_ht",
                     "seuil_ht", "origine_seuil", "nb_toutes", "recommandation", "signalements"]].rename(columns={
        "id_achat": "Achat", "acheteur_nom": "Acheteur", "objet": "Objet", "segment_libelle": "Segment",
        "nature": "Nature", "montant_examine_ht": "Montant examiné (€ HT)", "seuil_ht": "Seuil (€ HT)",
        "origine_seuil": "Origine du seuil", "nb_toutes": "Structures inclusives locales",
        "recommandation": "Recommandation", "signalements": "Points d'attention"})


#: Published table of phase 06 (``tables_publiees.csv``): :func:`recommendation_counts` of the screening.
COUNTS_TABLE = "reperage_recommandations"


def recommendation_counts(screened: pd.DataFrame) -> pd.DataFrame:
    """Number of purchases and estimated amount by recommendation (rule order), published by phase 06 as
    :data:`COUNTS_TABLE`."""
    if screened.empty:
        return pd.DataFrame(columns=["regle_id", "recommandation", "nb_achats", "montant_ht"])
    out = (screened.assign(m=screened["montant_examine_ht"].astype("Float64").fillna(0).astype(float))
           .groupby(["regle_id", "recommandation"], sort=True)
           .agg(nb_achats=("id_achat", "size"), montant_ht=("m", "sum")).reset_index())
    return out


def _used_parameters(screened: pd.DataFrame) -> HourParameters | None:
    used = screened.attrs.get("parametres")
    return HourParameters(**used) if isinstance(used, dict) else None


def flag_counts(screened: pd.DataFrame) -> pd.DataFrame:
    """Number of purchases raising each flag (purchases at or above threshold only; labels with the
    thresholds the screening used, ``attrs["parametres"]``, else the reference values)."""
    above = screened[screened["sous_seuil"].astype("boolean").eq(False).fillna(False).astype(bool)]
    rows = [{"signalement": label, "nb_achats": int(above[key].astype("boolean").fillna(False).astype(bool).sum())}
            for key, label in flag_labels(_used_parameters(screened)).items()]
    return pd.DataFrame(rows)


# --- sourcing -------------------------------------------------------------------------------

SOURCING_COLUMNS = ["id_achat", "acheteur_nom", "segment_libelle", "source", "nom", "type", "localisation",
                    "local", "capacite_etp", "nb_marches"]


def sourcing_panel(screened: pd.DataFrame, structures: pd.DataFrame | None, prepared_decp: pd.DataFrame | None,
                   departements: list[str], *, per_purchase: int = 10) -> pd.DataFrame:
    """Per purchase above threshold: inclusive structures of the segment and past DECP holders, local first.

    Local = structure located in one of the territory's departments, or holder
    having executed at least one contract of the segment there (DECP execution
    place, not the company's seat). At most ``per_purchase`` rows per purchase:
    local inclusive structures, then local holders, then the others, by name.
    """
    wanted = {str(d).zfill(2) for d in departements}
    kept = screened[screened["recommandation"] != NOT_RETAINED]
    seg_ids = sorted(set(kept["segment_id"].dropna().astype(str)))
    candidates = []
    if structures is not None and not structures.empty:
        links = structures_by_segment(structures)
        links = links[links["segment_id"].isin(seg_ids)]
        for r in links.itertuples(index=False):
            dept = "" if r.departement is None or pd.isna(r.departement) else str(r.departement).zfill(2)
            candidates.append({"segment_id": r.segment_id, "source": "structure inclusive", "nom": r.nom,
                               "type": r.type, "localisation": ", ".join(x for x in (r.commune or "", dept) if x),
                               "local": dept in wanted, "capacite_etp": r.capacite_etp, "nb_marches": None, "_s": 0})
    if prepared_decp is not None and not prepared_decp.empty and seg_ids:
        bidders = likely_bidders(prepared_decp, seg_ids, list(wanted))
        for r in bidders.itertuples(index=False):
            name = r.titulaire_nom if isinstance(r.titulaire_nom, str) else f"SIRET {r.titulaire_id}"
            candidates.append({"segment_id": r.segment_id, "source": "titulaire d'un marché passé", "nom": name,
                               "type": "entreprise", "localisation": f"exécution : {r.departements_execution}",
                               "local": int(r.nb_marches_execution_locale) > 0, "capacite_etp": None,
                               "nb_marches": int(r.nb_marches), "_s": 1})
    cands = pd.DataFrame(candidates, columns=["segment_id", "source", "nom", "type", "localisation", "local",
                                              "capacite_etp", "nb_marches", "_s"])
    if cands.empty or kept.empty:
        return pd.DataFrame(columns=SOURCING_COLUMNS)
    cands["_l"] = ~cands["local"].astype(bool)
    merged = kept[["id_achat", "acheteur_nom", "segment_id", "segment_libelle"]].merge(cands, on="segment_id")
    merged = merged.sort_values(["id_achat", "_l", "_s", "nom"], kind="stable")
    merged = merged.groupby("id_achat", sort=False).head(per_purchase)
    order = {a: i for i, a in enumerate(kept["id_achat"])}
    merged = merged.assign(_a=merged["id_achat"].map(order)).sort_values(["_a", "_l", "_s", "nom"], kind="stable")
    out = merged[SOURCING_COLUMNS].reset_index(drop=True)
    out["capacite_etp"] = out["capacite_etp"].astype("Float64")
    out["nb_marches"] = out["nb_marches"].astype("Int64")
    out["local"] = out["local"].astype(bool)
    return out


def sourcing_study(etude, screened: pd.DataFrame) -> pd.DataFrame:
    """:func:`sourcing_panel` on the inputs of a study."""
    structures = etude.table("structures_inclusives") if etude.available("structures_inclusives") else None
    decp = prepare_decp(etude.table("decp"), etude.config.acheteurs) if etude.available("decp") else None
    return sourcing_panel(screened, structures, decp, etude.config.departements)


# --- decision « marches_cibles » ------------------------------------------------------------------

TARGET_COLUMNS = [
    "id_achat", "acheteur_siret", "acheteur_nom", "objet", "segment_id", "segment_libelle", "nature", "forme",
    "montant_estime_ht", "montant_min_ht", "montant_max_ht", "duree_mois", "allotissement", "regle_id",
    "recommandation", "clause_insertion", "marche_reserve", "critere_social", "signalements", "retenu",
]


def target_contracts(screened: pd.DataFrame) -> pd.DataFrame:
    """The ``marches_cibles`` decision table: one row per screened purchase.

    ``retenu`` = the recommendation is a social consideration (anything but
    « non retenu »); ``clause_insertion``, ``marche_reserve`` and
    ``critere_social`` tell which kind(s), so that phase 08 computes insertion
    hours for the purchases with a clause.
    """
    out = screened.copy()
    rec = out["recommandation"].astype(str)
    out["clause_insertion"] = rec.str.contains(CLAUSE, regex=False)
    out["marche_reserve"] = rec.str.contains(RESERVED, regex=False)
    out["critere_social"] = rec.str.contains(CRITERION, regex=False)
    out["retenu"] = rec != NOT_RETAINED
    return out.reindex(columns=TARGET_COLUMNS).reset_index(drop=True)


def target_compute(etude, screened: pd.DataFrame | None = None):
    """The ``compute`` callable of ``etude.decision("marches_cibles", ..., id_column="id_achat")``."""
    return lambda: target_contracts(screen_study(etude) if screened is None else screened)


def key_figures(screened: pd.DataFrame, decision: pd.DataFrame) -> str:
    """Stable French lines for the pinned nbval cell."""
    if screened.empty:
        return "Achats prévus examinés : 0"
    lines = [f"Achats prévus examinés : {len(screened)} ; sous le seuil : {int(screened['sous_seuil'].fillna(False).sum())}",
             f"Marchés ciblés retenus : {int(decision['retenu'].sum())} ; avec clause d'insertion : "
             f"{int(decision.loc[decision['retenu'], 'clause_insertion'].sum())}"]
    for r in recommendation_counts(screened).itertuples(index=False):
        lines.append(f"{r.regle_id} {r.recommandation} : {r.nb_achats} achat(s), {euros(r.montant_ht)} € HT")
    for r in flag_counts(screened).itertuples(index=False):
        lines.append(f"{r.signalement} : {r.nb_achats}")
    return "\n".join(lines)
