"""Insertion-hour volumes of the targeted contracts (Fiche C1 §II.d, « volumes d'insertion adaptés »).

Formulas (one home for each; every result is **rounded down to the whole
hour**: a clause never promises a fraction of hour, and rounding down keeps
the volume « à minima »):

* **Classic estimate**: ``amount HT × labour share × insertion rate ÷ hourly
  cost``. ``1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833.33 → 833 h``. Computed with
  exact fractions of the decimal inputs, so 833.33 can never become 833.99…
  or 832.99… through floating point.
* **Human means** (adapted method): ``FTE on the contract × duration (months) ×
  monthly hours (151.67) × share of the work a new recruit can do``.
* **Summer replacements**: ``weeks of leave × FTE replaced × 35 h × share
  replaceable``.
* **Irregular orders**: for a framework agreement (« accord-cadre ») only the
  guaranteed minimum is certain; when it is unknown it is estimated at
  ``part_minimum_accord_cadre`` (30 %) of the estimated amount, with a warning.

Three estimates per contract:

* **haute** (high): the largest of the classic formula on the maximum amount
  (the estimate when no maximum is given) with the high labour share, and of
  the adapted bases given (human means, summer replacements);
* **centrale**: the classic formula on the estimated amount with the mean
  labour share (``(min + max) / 2`` of ``segments.csv``);
* **basse** (low, « à minima »): the smallest of the classic formula on the
  secure amount (framework: guaranteed minimum) with the low labour share, and
  of the adapted bases given.

**Recommended secure volume** (``heures_recommandees``): the low estimate when
it reaches the minimum that makes a job (``heures_minimum_clause``, 70 h);
otherwise that minimum when the central estimate reaches it (flagged « relevé
au minimum »); otherwise no volume is recommended (missing) and the contract
is flagged: too few hours for a job.

Warnings: too few hours (< 70 h), duration too short (< 2 months) or short
(< 6 months), likely consortium (estimated amount ≥ 1 M€ HT), framework
agreement without known minimum, hours likely realised far from the buyer
(segments executed remotely, Fiche C1 §II.a).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from fractions import Fraction

import pandas as pd

from diversification.inputs import formatting
from diversification.inputs.errors import ConfigError
from diversification.inputs.referentiels import load_referentiel
from diversification.inputs.segments import segment_labels

FRAMEWORK_PREFIX = "accord-cadre"
SEPARATOR = " ; "

#: Columns of the table published as ``tables/volumes_insertion``.
VOLUME_COLUMNS = [
    "id_achat", "objet", "segment_id", "libelle", "acheteur", "forme", "duree_mois",
    "montant_estime_ht", "montant_retenu_bas_ht", "part_main_oeuvre_min", "part_main_oeuvre_max",
    "heures_classique", "heures_moyens_humains", "heures_remplacements_ete",
    "heures_basse", "heures_centrale", "heures_haute", "heures_recommandees", "regle_recommandation", "alertes",
]


# --- parameters -----------------------------------------------------------------------------

@dataclass(frozen=True)
class HourParameters:
    """Parameters of the hour formulas (``parametres.csv`` and ``parametres_heures.csv``)."""

    cout_horaire: float = 35.0
    taux_insertion: float = 0.05
    heures_minimum: float = 70.0
    duree_courte_mois: float = 6.0
    duree_minimale_mois: float = 2.0
    heures_mensuelles: float = 151.67
    heures_hebdomadaires: float = 35.0
    part_minimum_accord_cadre: float = 0.3
    part_travail_recrue: float = 0.1
    semaines_conges_ete: float = 4.0
    part_remplacable: float = 0.5
    seuil_groupement_ht: float = 1_000_000.0
    lots_groupement: float = 3.0
    heures_annuelles_etp: float = 1607.0


def _values(name: str) -> dict[str, float]:
    table = load_referentiel(name)
    return {row.parametre: float(row.valeur) for row in table.itertuples(index=False)}


def load_parameters(overrides: dict | None = None) -> HourParameters:
    """Parameters read from the reference tables (``parametres`` then ``parametres_heures``).

    ``overrides`` (``parametres`` of territoire.yaml, optional) replaces values
    by their name in either table; an unknown name raises a French ConfigError.
    """
    base = _values("parametres")
    extra = _values("parametres_heures")
    for key, value in (overrides or {}).items():
        if key not in base and key not in extra:
            raise ConfigError(f"territoire.yaml : parametres : paramètre inconnu « {key} » "
                              f"(admis : {', '.join(sorted([*base, *extra]))}).")
        (base if key in base else extra)[key] = float(value)
    return HourParameters(
        cout_horaire=base["cout_horaire_moyen"],
        taux_insertion=base["taux_heures_insertion"],
        heures_minimum=base["heures_minimum_clause"],
        duree_courte_mois=base["duree_courte_mois"],
        duree_minimale_mois=extra["duree_minimale_mois"],
        heures_mensuelles=extra["heures_mensuelles"],
        heures_hebdomadaires=extra["heures_hebdomadaires"],
        part_minimum_accord_cadre=extra["part_minimum_accord_cadre"],
        part_travail_recrue=extra["part_travail_recrue"],
        semaines_conges_ete=extra["semaines_conges_ete"],
        part_remplacable=extra["part_remplacable"],
        seuil_groupement_ht=extra["seuil_groupement_ht"],
        lots_groupement=extra["lots_groupement"],
        heures_annuelles_etp=extra["heures_annuelles_etp"],
    )


def parameters_table(params: HourParameters | None = None) -> pd.DataFrame:
    """French table of the parameters used (for the notebook)."""
    params = params or load_parameters()
    labels = {
        "cout_horaire": ("Coût horaire moyen chargé", "€ / heure"),
        "taux_insertion": ("Part des heures réservée à l'insertion", "part"),
        "heures_minimum": ("Volume minimum pour faire un emploi", "heures"),
        "duree_courte_mois": ("Durée en dessous de laquelle le marché est « court »", "mois"),
        "duree_minimale_mois": ("Durée en dessous de laquelle un parcours n'a guère de sens", "mois"),
        "heures_mensuelles": ("Heures mensuelles d'un temps plein", "heures / mois"),
        "heures_hebdomadaires": ("Heures hebdomadaires d'un temps plein", "heures / semaine"),
        "part_minimum_accord_cadre": ("Minimum d'un accord-cadre quand il n'est pas connu", "part du montant"),
        "part_travail_recrue": ("Part du travail confiée à une nouvelle recrue", "part"),
        "semaines_conges_ete": ("Semaines de congés d'été à remplacer", "semaines"),
        "part_remplacable": ("Part remplaçable des heures d'absence", "part"),
        "seuil_groupement_ht": ("Montant au-delà duquel un groupement est probable", "€ HT"),
        "lots_groupement": ("Nombre de lots au-delà duquel un groupement est probable", "lots"),
        "heures_annuelles_etp": ("Heures annuelles d'un temps plein (capacité d'un ETP)", "heures / an"),
    }
    rows = [{"parametre": k, "libelle": labels[k][0], "valeur": v, "unite": labels[k][1]}
            for k, v in asdict(params).items()]
    return pd.DataFrame(rows)


# --- elementary formulas --------------------------------------------------------------------

def _exact(value: float | int) -> Fraction:
    """Exact fraction of the decimal written for ``value`` (0.05 → 1/20, not the binary double)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"valeur non finie : {value!r}")
    return Fraction(repr(number))


def _floor_hours(*factors: float, divisor: float = 1) -> int:
    product = Fraction(1)
    for factor in factors:
        f = _exact(factor)
        if f < 0:
            raise ValueError("les montants, parts et durées doivent être positifs ou nuls")
        product *= f
    d = _exact(divisor)
    if d <= 0:
        raise ValueError("le diviseur (coût horaire) doit être strictement positif")
    return math.floor(product / d)


def classic_hours(amount_ht: float, labour_share: float, insertion_rate: float, hourly_cost: float) -> int:
    """``amount × labour share × insertion rate ÷ hourly cost``, rounded down to the hour.

    >>> classic_hours(1_000_000, 0.5, 0.05, 30)
    833
    """
    return _floor_hours(amount_ht, labour_share, insertion_rate, divisor=hourly_cost)


def human_means_hours(fte: float, duration_months: float, recruit_share: float, monthly_hours: float = 151.67) -> int:
    """``FTE × months × monthly hours × share a new recruit can do``, rounded down."""
    return _floor_hours(fte, duration_months, monthly_hours, recruit_share)


def summer_replacement_hours(weeks: float, fte: float, replaceable_share: float, weekly_hours: float = 35.0) -> int:
    """``weeks of leave × FTE replaced × weekly hours × share replaceable``, rounded down."""
    return _floor_hours(weeks, fte, weekly_hours, replaceable_share)


def is_framework(forme: object) -> bool:
    """True for a framework agreement (« accord-cadre à bons de commande / à marchés subséquents »)."""
    return isinstance(forme, str) and forme.strip().lower().startswith(FRAMEWORK_PREFIX)


def secure_amount(amount_ht: float, minimum_ht: float | None, forme: object,
                  default_share: float = 0.3) -> tuple[float, str]:
    """Amount certain to be ordered, and a French note (empty when the whole amount counts).

    Framework agreement: the guaranteed minimum; when it is unknown,
    ``default_share`` × the estimate. Other contracts: the estimated amount.
    """
    if not is_framework(forme):
        return float(amount_ht), ""
    if minimum_ht is not None and not pd.isna(minimum_ht):
        return float(minimum_ht), "accord-cadre : estimation basse sur le seul minimum garanti"
    share = formatting.percent(default_share, 0 if float(default_share * 100).is_integer() else 1)
    return (float(_exact(amount_ht) * _exact(default_share)),
            f"accord-cadre sans minimum connu : minimum estimé à {share} du montant (à vérifier auprès de l'acheteur)")


# --- one contract -------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractInputs:
    """Everything the estimate of one contract needs (the calculator edits these fields)."""

    montant_ht: float
    part_main_oeuvre_min: float
    part_main_oeuvre_max: float
    duree_mois: float
    forme: str = "marché ordinaire"
    montant_min_ht: float | None = None
    montant_max_ht: float | None = None
    etp: float = 0.0  # FTE assigned to the contract (0 = human-means method not used)
    part_travail_recrue: float = 0.1
    etp_remplaces_ete: float = 0.0  # FTE replaced during summer leave (0 = not used)
    semaines_conges_ete: float = 4.0
    part_remplacable: float = 0.5
    groupement: bool = False
    execution_a_distance: bool = False


def _opt(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def estimate_contract(inputs: ContractInputs, params: HourParameters | None = None) -> dict:
    """Hours of one contract: bases, low / central / high estimates, recommendation and warnings."""
    params = params or load_parameters()
    low_share, high_share = float(inputs.part_main_oeuvre_min), float(inputs.part_main_oeuvre_max)
    if not 0 <= low_share <= high_share <= 1:
        raise ValueError("parts de main-d'œuvre incohérentes (0 ≤ min ≤ max ≤ 1 attendu)")
    mid_share = (_exact(low_share) + _exact(high_share)) / 2
    notes: list[str] = []
    amount = float(inputs.montant_ht)
    secure, note = secure_amount(amount, _opt(inputs.montant_min_ht), inputs.forme, params.part_minimum_accord_cadre)
    if note:
        notes.append(note)
    high_amount = _opt(inputs.montant_max_ht) or amount
    classic_central = _floor_hours(amount, mid_share, params.taux_insertion, divisor=params.cout_horaire)
    classic_low = _floor_hours(secure, low_share, params.taux_insertion, divisor=params.cout_horaire)
    classic_high = _floor_hours(high_amount, high_share, params.taux_insertion, divisor=params.cout_horaire)
    means = (human_means_hours(inputs.etp, inputs.duree_mois, inputs.part_travail_recrue, params.heures_mensuelles)
             if inputs.etp > 0 else None)
    summer = (summer_replacement_hours(inputs.semaines_conges_ete, inputs.etp_remplaces_ete, inputs.part_remplacable,
                                       params.heures_hebdomadaires)
              if inputs.etp_remplaces_ete > 0 else None)
    adapted = [h for h in (means, summer) if h is not None]
    low = min([classic_low, *adapted])
    high = max([classic_high, *adapted])
    central = min(max(classic_central, low), high)

    minimum = params.heures_minimum
    if low >= minimum:
        recommended, rule = low, "estimation basse (volume « à minima »)"
    elif central >= minimum:
        recommended, rule = int(math.ceil(minimum)), "relevé au minimum d'un emploi (estimation basse insuffisante)"
    else:
        recommended, rule = None, "aucun volume recommandé : trop peu d'heures pour faire un emploi"
    alerts = []
    if recommended is None:
        alerts.append(f"trop peu d'heures pour faire un emploi (estimation centrale {central} h < {minimum:g} h) : "
                      "envisager un marché réservé, un regroupement de marchés ou une autre modalité")
    elif recommended == int(math.ceil(minimum)) and low < minimum:
        alerts.append(f"estimation basse ({low} h) sous le minimum de {minimum:g} h : volume relevé, à confirmer "
                      "avec l'acheteur")
    duration = float(inputs.duree_mois)
    if duration < params.duree_minimale_mois:
        alerts.append(f"durée trop courte ({duration:g} mois < {params.duree_minimale_mois:g}) pour un parcours "
                      "d'insertion")
    elif duration < params.duree_courte_mois:
        alerts.append(f"marché de courte durée ({duration:g} mois < {params.duree_courte_mois:g}) : contrats courts, "
                      "prévoir l'enchaînement avec d'autres marchés")
    if inputs.groupement or amount >= params.seuil_groupement_ht:
        alerts.append("réponse en groupement probable : prévoir la répartition des heures entre cotraitants")
    if inputs.execution_a_distance:
        alerts.append("heures probablement réalisées au lieu d'implantation du titulaire : mobiliser le réseau "
                      "des facilitateurs (Fiche C1 §II.a)")
    alerts.extend(n for n in notes if n.startswith("accord-cadre sans"))
    return {
        "montant_retenu_bas_ht": round(secure, 2),
        "heures_classique": classic_central,
        "heures_moyens_humains": means,
        "heures_remplacements_ete": summer,
        "heures_basse": low,
        "heures_centrale": central,
        "heures_haute": high,
        "heures_recommandees": recommended,
        "regle_recommandation": rule,
        "alertes": SEPARATOR.join(alerts),
    }


# --- batch ----------------------------------------------------------------------------------

def contract_inputs(row: pd.Series | dict, params: HourParameters | None = None,
                    segments: pd.DataFrame | None = None) -> ContractInputs:
    """Default inputs of a targeted contract (a row with ``segment_id``, amounts, ``forme``, ``duree_mois``).

    Labour shares and the remote-execution flag come from ``segments.csv``;
    the adapted bases (human means, summer replacements) are not used by
    default (no FTE is known before the sourcing): the calculator sets them.
    """
    params = params or load_parameters()
    segments = load_referentiel("segments") if segments is None else segments
    seg = segments.set_index("segment_id").loc[str(row["segment_id"])]
    forme = row.get("forme")
    return ContractInputs(
        montant_ht=float(row["montant_estime_ht"]),
        part_main_oeuvre_min=float(seg["part_main_oeuvre_min"]),
        part_main_oeuvre_max=float(seg["part_main_oeuvre_max"]),
        duree_mois=float(row["duree_mois"]) if not pd.isna(row.get("duree_mois")) else 12.0,
        forme=str(forme) if isinstance(forme, str) else "marché ordinaire",
        montant_min_ht=_opt(row.get("montant_min_ht")),
        montant_max_ht=_opt(row.get("montant_max_ht")),
        part_travail_recrue=params.part_travail_recrue,
        semaines_conges_ete=params.semaines_conges_ete,
        part_remplacable=params.part_remplacable,
        execution_a_distance=bool(seg["execution_a_distance"]),
    )


def insertion_volumes(targets: pd.DataFrame, params: HourParameters | None = None,
                      choices: dict | None = None) -> pd.DataFrame:
    """One row per targeted contract (order of ``targets``): the table ``volumes_insertion``.

    ``choices`` (:func:`diversification.inputs.hand_choices.volume_choices`): the calculator inputs chosen by hand in
    notebook 08 for some contracts, by contract id; those contracts are estimated with them, and their rule says so.

    ``targets`` has ``id_achat``, ``objet``, ``segment_id``, ``montant_estime_ht``,
    and optionally ``montant_min_ht``, ``montant_max_ht``, ``forme``,
    ``duree_mois``, ``acheteur``.
    """
    params = params or load_parameters()
    segments = load_referentiel("segments")
    labels = segment_labels()
    rows = []
    for _, row in targets.iterrows():
        inputs = contract_inputs(row, params, segments)
        choice = (choices or {}).get(str(row["id_achat"]))
        if choice is not None:
            inputs = chosen_inputs(inputs, choice.valeurs, str(row["id_achat"]))
        result = estimate_contract(inputs, params)
        if choice is not None:
            result["regle_recommandation"] = f"{result['regle_recommandation']} (entrées {choice.sentence()})"
        rows.append({
            "id_achat": row["id_achat"], "objet": row.get("objet"), "segment_id": row["segment_id"],
            "libelle": labels.get(row["segment_id"], row["segment_id"]), "acheteur": row.get("acheteur"),
            "forme": inputs.forme, "duree_mois": inputs.duree_mois, "montant_estime_ht": inputs.montant_ht,
            "part_main_oeuvre_min": inputs.part_main_oeuvre_min, "part_main_oeuvre_max": inputs.part_main_oeuvre_max,
            **result,
        })
    table = pd.DataFrame(rows, columns=VOLUME_COLUMNS)
    for col in ("heures_classique", "heures_moyens_humains", "heures_remplacements_ete", "heures_basse",
                "heures_centrale", "heures_haute", "heures_recommandees"):
        table[col] = pd.array(table[col].tolist(), dtype="Int64")
    for col in ("duree_mois", "montant_estime_ht", "montant_retenu_bas_ht", "part_main_oeuvre_min",
                "part_main_oeuvre_max"):
        table[col] = table[col].astype(float)
    for col in ("id_achat", "objet", "segment_id", "libelle", "acheteur", "forme", "regle_recommandation", "alertes"):
        table[col] = table[col].astype(object)
    return table


def volumes_summary(volumes: pd.DataFrame) -> pd.DataFrame:
    """Totals by segment: contracts, low / central / high / recommended hours, flagged contracts."""
    columns = ["segment_id", "libelle", "nb_marches", "heures_basse", "heures_centrale", "heures_haute",
               "heures_recommandees", "nb_sans_volume_recommande", "nb_alertes"]
    if volumes.empty:
        return pd.DataFrame(columns=columns)
    data = volumes.assign(sans=volumes["heures_recommandees"].isna(), alerte=volumes["alertes"].astype(str) != "")
    out = data.groupby(["segment_id", "libelle"], sort=True).agg(
        nb_marches=("id_achat", "size"), heures_basse=("heures_basse", "sum"),
        heures_centrale=("heures_centrale", "sum"), heures_haute=("heures_haute", "sum"),
        heures_recommandees=("heures_recommandees", "sum"), nb_sans_volume_recommande=("sans", "sum"),
        nb_alertes=("alerte", "sum")).reset_index()
    out = out.sort_values(["heures_recommandees", "segment_id"], ascending=[False, True], kind="stable")
    return out[columns].reset_index(drop=True)


def warnings_table(volumes: pd.DataFrame) -> pd.DataFrame:
    """One row per (contract, warning), for the facilitator's checklist."""
    rows = []
    for row in volumes.itertuples(index=False):
        for alert in [a for a in str(row.alertes).split(SEPARATOR) if a]:
            rows.append({"id_achat": row.id_achat, "libelle": row.libelle, "alerte": alert})
    return pd.DataFrame(rows, columns=["id_achat", "libelle", "alerte"])


def key_figures(volumes: pd.DataFrame, source_note: str = "") -> str:
    """Stable French lines for the pinned nbval cell."""
    if volumes.empty:
        return "Aucun marché ciblé : pas de volume d'insertion calculé."
    rec = volumes["heures_recommandees"]
    lines = [
        f"Marchés ciblés : {len(volumes)}",
        f"Heures basse / centrale / haute : {int(volumes['heures_basse'].sum())} / "
        f"{int(volumes['heures_centrale'].sum())} / {int(volumes['heures_haute'].sum())}",
        f"Heures recommandées (volume sécurisé) : {int(rec.sum())} ; marchés sans volume recommandé : "
        f"{int(rec.isna().sum())}",
        f"Marchés avec au moins une alerte : {int((volumes['alertes'].astype(str) != '').sum())}",
    ]
    first = volumes.iloc[0]
    lines.append(f"Premier marché ({first['id_achat']}) : {first['heures_basse']} / {first['heures_centrale']} / "
                 f"{first['heures_haute']} h, recommandé {first['heures_recommandees']}")
    return "\n".join(lines)


def chosen_inputs(inputs: ContractInputs, values: dict, contract: str) -> ContractInputs:
    """``inputs`` with the values chosen by hand for ``contract`` (``choix_a_la_main.volumes_insertion``)."""
    known = {f.name: f for f in fields(ContractInputs)}
    changes = {}
    for name, value in values.items():
        if name not in known:
            raise ConfigError(f"territoire.yaml : choix_a_la_main.volumes_insertion.{contract}.valeurs : entrée "
                              f"inconnue « {name} » (admises : {', '.join(known)}).")
        current = getattr(inputs, name)
        if isinstance(current, bool):
            value = bool(value)
        elif name == "forme":
            value = str(value)
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"territoire.yaml : choix_a_la_main.volumes_insertion.{contract}.valeurs.{name} : "
                                  f"« {value} » n'est pas un nombre.") from None
        changes[name] = value
    return replace(inputs, **changes)


def with_inputs(inputs: ContractInputs, **changes) -> ContractInputs:
    """A copy of ``inputs`` with some fields changed (used by the calculator)."""
    return replace(inputs, **changes)


# --- target contracts without hours (phase 08) ---------------------------------------------------

#: Why a retained target contract of phase 06 gets no insertion volume (phase 08).
NO_CLAUSE_REASON = "marché réservé sans clause d'insertion : pas d'heures d'insertion à calculer"
NO_SEGMENT_REASON = "sans segment (code CPV absent ou inconnu) : part de main-d'œuvre inconnue"
NOT_PLANNED_REASON = "absent des achats prévus"


def targets_without_hours(decision: pd.DataFrame, computed_ids, planned: pd.DataFrame | None = None) -> pd.DataFrame:
    """The retained rows of the ``marches_cibles`` decision whose insertion volume is not computed, with the
    French reason (``motif``): a reserved contract without an insertion clause has no hours to compute; a purchase
    without a segment has no known labour share. ``planned``: the planned purchases (``id_achat``,
    ``segment_id``), to tell the two last reasons apart."""
    columns = ["id_achat", "objet", "recommandation", "motif"]
    if decision is None or decision.empty or "retenu" not in decision.columns:
        return pd.DataFrame(columns=columns)
    retained = decision[decision["retenu"].astype(bool)]
    computed = set(map(str, computed_ids))
    missing = retained[~retained["id_achat"].astype(str).isin(computed)].copy()
    with_segment = None if planned is None else set(
        planned.loc[planned["segment_id"].notna(), "id_achat"].astype(str))
    known = None if planned is None else set(planned["id_achat"].astype(str))

    def reason(row) -> str:
        if "clause_insertion" in row and not (pd.notna(row["clause_insertion"]) and bool(row["clause_insertion"])):
            return NO_CLAUSE_REASON
        if known is not None and str(row["id_achat"]) not in known:
            return NOT_PLANNED_REASON
        if with_segment is not None and str(row["id_achat"]) not in with_segment:
            return NO_SEGMENT_REASON
        if "segment_id" in row and pd.isna(row["segment_id"]):
            return NO_SEGMENT_REASON
        return NOT_PLANNED_REASON

    missing["motif"] = [reason(r) for _, r in missing.iterrows()]
    for col in columns:
        if col not in missing.columns:
            missing[col] = pd.NA
    return missing[columns].reset_index(drop=True)


def targets_gap_text(n_retained: int, n_computed: int, without: pd.DataFrame) -> str:
    """« 57 marchés cibles retenus, 50 avec un volume d'heures calculé ; les 7 autres : marché réservé sans clause
    d'insertion … (7). » — empty when every retained target has its volume."""
    if n_retained == n_computed or without.empty:
        return ""
    reasons = without["motif"].value_counts(sort=False)
    detail = ", ".join(f"{motif} ({formatting.integer(n)})" for motif, n in reasons.items())
    others = n_retained - n_computed
    return (f"{formatting.integer(n_retained)} marché(s) cible(s) retenu(s) en phase 06, "
            f"{formatting.integer(n_computed)} avec un volume d'heures calculé ; "
            f"{'l’autre' if others == 1 else f'les {formatting.integer(others)} autres'} : {detail}.")
