"""Argument sheets per partner buyer × priority segment (Fiche C1 §II.a « préparation d'un argumentaire »).

One sheet per buyer of ``territoire.yaml`` × segment retained by the
``segments_prioritaires`` decision, rendered from the Jinja2 templates of
``diversification/templates`` with autoescape on (every value coming from the
inputs is escaped). Content:

* the legal framework suited to the buyer's type (``references_juridiques.csv``:
  rows whose ``type_acheteur`` lists the type, or « tous »); the SPASER applies
  only above 50 M€ HT of purchases a year: « si l'acheteur y est soumis »;
* the rebalancing figures of the territory: share of the hours in construction
  + cleaning and effective number of segments (:mod:`diversification.indicators.concentration`),
  publics left out = publics retained by ``publics_prioritaires`` (phase 02);
* the opportunities: job seekers of each priority public seeking a trade of
  the segment (:func:`diversification.indicators.demand.segments_for_publics`), protected
  by the disclosure threshold (primary suppression, no total published);
* the adaptations of ``adaptations_segments.csv`` triggered by the segment
  (execution at a distance, works) or by the buyer's planned purchases of the
  segment (uncertain volumes, short duration, consortium);
* the examples of the Fiche C1 §III (``exemples_fiche_c1``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from diversification.decisions.screening import euros
from diversification.indicators import disclosure
from diversification.indicators import peer_cache, peers
from diversification.indicators.concentration import concentration_indicators
from diversification.indicators.demand import rome_labels, segments_for_publics
from diversification.inputs import formatting
from diversification.inputs.paths import decp_cache_dir
from diversification.inputs.referentiels import load_referentiel, split_list
from diversification.inputs.segments import segment_labels

ADAPTATIONS_TABLE = "adaptations_segments"
SPASER_ID = "spaser"
SPASER_CONDITION = "si l'acheteur y est soumis (achats supérieurs à 50 M€ HT par an)"
BUYER_TYPE_LABELS = {
    "etat": "service de l'État",
    "collectivite": "collectivité territoriale",
    "hopital": "établissement hospitalier",
    "bailleur_social": "bailleur social",
}
BUYER_NOTES = {
    "hopital": ("Établissement public de santé : acheteur soumis au code de la commande publique ; ses achats "
                "passent souvent par un groupement hospitalier de territoire ou une centrale d'achat, à associer "
                "à la démarche."),
    "bailleur_social": ("Office public de l'habitat ou société d'HLM : pouvoir adjudicateur soumis au code de la "
                        "commande publique ; les marchés de réhabilitation et d'entretien du patrimoine se prêtent aux "
                        "clauses, et les services aux locataires ouvrent d'autres métiers."),
}
_SECRET = disclosure.SECRET_LABEL


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("diversification.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


# --- formatting ------------------------------------------------------------------------------------

def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _pct(value: object) -> str:
    return "non calculable" if _missing(value) else formatting.percent(value, 0)


def _num(value: object, digits: int = 1) -> str:
    return "" if _missing(value) else formatting.number(value, digits)


def _count(value: object) -> str:
    return _SECRET if _missing(value) else formatting.integer(int(value))


# --- content blocks -------------------------------------------------------------------------------

def legal_framework(buyer_type: str, references: pd.DataFrame | None = None) -> pd.DataFrame:
    """References suited to a buyer type: its own, then « tous »; policy texts before CCP articles.

    Columns: ref_id, intitule, article, texte, condition (« si l'acheteur y est
    soumis… » for the SPASER), statut, url.
    """
    references = load_referentiel("references_juridiques") if references is None else references
    types = references["type_acheteur"].map(split_list)
    own = types.map(lambda t: buyer_type in t)
    kept = references[own | types.map(lambda t: "tous" in t)].copy()
    kept["_ccp"] = kept["article"].astype(str).str.contains("commande publique", regex=False)
    kept["_own"] = ~own[kept.index]
    kept["_pos"] = range(len(kept))
    kept = kept.sort_values(["_ccp", "_own", "_pos"], kind="stable")
    kept["condition"] = [SPASER_CONDITION if r == SPASER_ID else "" for r in kept["ref_id"]]
    return kept[["ref_id", "intitule", "article", "texte", "condition", "statut", "url"]].reset_index(drop=True)


def territory_figures(suivi: pd.DataFrame | None, annee: int) -> dict:
    """Rebalancing figures of the year, formatted in French (from :func:`concentration.concentration_indicators`)."""
    if suivi is None or suivi.empty:
        return {"disponible": False, "explication": "Le suivi des clauses n'est pas disponible : la concentration "
                "des heures d'insertion ne peut pas être mesurée.", "valeurs": {}}
    ind = concentration_indicators(suivi, annee=annee).set_index("indicateur")
    values = {k: (None if _missing(v) else float(v)) for k, v in ind["valeur"].items()}
    if not values.get("heures_realisees"):
        return {"disponible": False, "explication": f"Aucune heure d'insertion réalisée en {annee} : la concentration "
                "ne peut pas être mesurée.", "valeurs": values}
    effective = values.get("nombre_effectif_segments")
    return {
        "disponible": True,
        "heures": _num(values["heures_realisees"], 0),
        "part_construction_nettoyage": _pct(values.get("part_construction_nettoyage")),
        "nombre_effectif": _num(effective, 1) if effective is not None else "",
        "explication": "",
        "valeurs": values,
    }


def left_out_publics(publics: pd.DataFrame) -> list[dict]:
    """Retained priority publics, by rank, with their (already protected) counts formatted."""
    kept = publics[publics["retenu"].astype(bool)]
    if "rang" in kept.columns:
        kept = kept.sort_values("rang", kind="stable")
    return [{"public_id": r["public_id"], "libelle": r["libelle"],
             "participants": _count(r.get("participants")), "demandeurs": _count(r.get("demandeurs")),
             "indice": _num(r.get("indice_representation"), 2) or _SECRET}
            for _, r in kept.iterrows()]


def opportunities(demandeurs: pd.DataFrame | None, annee: int, publics: list[dict], segment_id: str,
                  threshold: int, by_public: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Per priority public: job seekers seeking a trade of the segment (protected) and the main trades.

    Columns: public_id, libelle, demandeurs (Int64, hidden → NA), metiers. ``by_public``: the tables of
    :func:`diversification.indicators.demand.segments_for_publics` of each public (all segments), when already
    computed for another segment.
    """
    columns = ["public_id", "libelle", "demandeurs", "metiers"]
    if demandeurs is None or demandeurs.empty or not publics:
        return pd.DataFrame(columns=columns)
    labels = rome_labels()
    rows = []
    for p in publics:
        table = (by_public[p["public_id"]] if by_public is not None and p["public_id"] in by_public
                 else segments_for_publics(demandeurs, annee, [p["public_id"]]))
        row = table[table["segment_id"] == segment_id]
        if len(row) and pd.isna(row["demandeurs_publics_prioritaires"].iloc[0]):
            continue  # not measurable (the job-seeker table does not cross the public with the trades): no figure
        n = int(row["demandeurs_publics_prioritaires"].iloc[0]) if len(row) else 0
        codes = split_list(str(row["metiers_principaux"].iloc[0]).replace(",", "|")) if len(row) else []
        rows.append({"public_id": p["public_id"], "libelle": p["libelle"], "demandeurs": n,
                     "metiers": ", ".join(labels.get(c, c) for c in codes)})
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows, columns=columns)
    table["demandeurs"] = table["demandeurs"].astype("Int64")
    protected = disclosure.protect_frequencies(table, "demandeurs", threshold, total=False)
    out = protected.table.copy()
    hidden = protected.hidden["demandeurs"].to_numpy(dtype=bool)
    out.loc[hidden, "metiers"] = ""
    return out


def adaptations_for(segment: dict, purchases: pd.DataFrame | None = None,
                    table: pd.DataFrame | None = None) -> list[dict]:
    """Adaptations of ``adaptations_segments.csv`` whose trigger holds.

    Triggers: ``execution_a_distance`` (segment), ``nature_travaux`` (segment
    nature), ``volumes_incertains`` / ``duree_courte`` / ``groupement`` (a
    planned purchase of the buyer in the segment raises that flag).
    """
    table = load_referentiel(ADAPTATIONS_TABLE) if table is None else table
    active = set()
    if bool(segment.get("execution_a_distance")):
        active.add("execution_a_distance")
    if segment.get("nature") == "travaux":
        active.add("nature_travaux")
    if purchases is not None and not purchases.empty:
        for trigger, flag in (("volumes_incertains", "volumes_incertains"), ("duree_courte", "duree_courte"),
                              ("groupement", "groupement_probable")):
            if purchases[flag].astype(bool).any():
                active.add(trigger)
    kept = table[table["declencheur"].isin(active)]
    return kept[["adaptation_id", "titre", "texte"]].to_dict("records")


# --- the territory among its peers (phase 03) ------------------------------------------------------

NO_PEER_EXAMPLE = ("Aucun département comparable n'a encore de marché avec une considération sociale dans ce segment "
                   "dans le fichier DECP national.")


def published_peers(etude) -> pd.DataFrame | None:
    """The peers' table phase 03 published (``tables/pairs_segments.parquet`` of the run); when exploring without a
    run folder, the same table from the cached indicators of the national file; ``None`` without a national file."""
    if etude.run_dir is not None:
        path = Path(etude.run_dir) / "tables" / f"{peers.TABLE_NAME}.parquet"
        return pd.read_parquet(path) if path.exists() else None
    if etude.config.national_decp is None:
        return None
    return peer_cache.study_peers(etude.config, decp_cache_dir(), segment_labels()).get(peers.TABLE_NAME)


def peer_citation(table: pd.DataFrame | None, segment_id: str) -> dict | None:
    """What a sheet says of the segment among the peers: the territory's share and national rank, the peers' median
    and one peer example (:func:`peers.example_text`); ``None`` without a national file or for a segment the table
    does not hold."""
    if table is None:
        return None
    rows = table.loc[table["segment"].astype(str) == segment_id]
    if rows.empty:
        return None
    row = next(rows.itertuples(index=False))
    example = peers.example_text(row)
    return {"territoire": formatting.percent(row.valeur), "mediane": formatting.percent(row.mediane_pairs),
            "rang": formatting.rank(row.rang, row.nb_departements),
            "exemple": NO_PEER_EXAMPLE if example == formatting.MISSING else example}


# --- the sheets ---------------------------------------------------------------------------------

@dataclass
class ArgumentSheet:
    acheteur_siret: str
    acheteur_nom: str
    segment_id: str
    segment_libelle: str
    context: dict = field(repr=False)

    @property
    def filename(self) -> str:
        return f"{self.acheteur_siret}_{self.segment_id}.html"

    @property
    def html(self) -> str:
        return render_sheet(self.context)

    @property
    def fragment(self) -> str:
        return render_sheet(self.context, full=False)


def render_sheet(context: dict, *, full: bool = True) -> str:
    """HTML of one sheet (whole document, or the fragment shown in the notebook); values escaped."""
    name = "argumentaire.html" if full else "fiche_argumentaire.html"
    return _environment().get_template(name).render(**context)


def sheet_context(buyer: dict, segment: dict, *, territoire: str, annee: int, figures: dict,
                  publics: list[dict], opportunities_table: pd.DataFrame, legal: pd.DataFrame,
                  adaptations: list[dict], purchases: pd.DataFrame | None, threshold: int,
                  peer: dict | None = None) -> dict:
    """The values a sheet template needs (plain, French-formatted); ``peer``: :func:`peer_citation`."""
    btype = str(buyer.get("type") or "")
    opp = [{"libelle": r["libelle"], "demandeurs": _count(r["demandeurs"]), "metiers": r["metiers"] or ""}
           for r in opportunities_table[["libelle", "demandeurs", "metiers"]].to_dict("records")]
    achats = []
    if purchases is not None:  # records, not itertuples (a row at a time through pandas indexing)
        achats = [{"id_achat": r["id_achat"], "objet": r["objet"], "montant": euros(r["montant_examine_ht"]),
                   "recommandation": r["recommandation"], "signalements": r["signalements"]}
                  for r in purchases[["id_achat", "objet", "montant_examine_ht", "recommandation",
                                      "signalements"]].to_dict("records")]
    return {
        "acheteur": {"siret": str(buyer.get("siret")), "nom": str(buyer.get("nom")), "type": btype,
                     "type_libelle": BUYER_TYPE_LABELS.get(btype, btype or "type non renseigné")},
        "segment": {"id": segment["segment_id"], "libelle": segment["libelle"],
                    "exemples": segment.get("exemples_fiche_c1") or "Pas d'exemple dans la Fiche C1 pour ce segment."},
        "territoire": territoire,
        "annee": annee,
        "chiffres": {k: v for k, v in figures.items() if k != "valeurs"},
        "publics_laisses": publics,
        "opportunites": opp,
        "opportunites_note": ("Les demandeurs d'emploi par métier ne sont pas disponibles (ou ne sont pas croisés "
                              "avec les critères des publics), ou aucun public prioritaire n'est retenu."),
        "cadre": legal.to_dict("records"),
        "note_acheteur": BUYER_NOTES.get(btype, ""),
        "adaptations": adaptations,
        "achats": achats,
        "regle_secret": disclosure.describe_rule(threshold, secondary=False),
        "pairs": peer,
    }


def build_sheets(etude, publics: pd.DataFrame, segments: pd.DataFrame,
                 screened: pd.DataFrame | None = None) -> list[ArgumentSheet]:
    """One sheet per partner buyer × retained segment (buyers in configuration order, segments by rank)."""
    suivi = etude.table("suivi_clauses") if etude.available("suivi_clauses") else None
    demandeurs = etude.table("demandeurs_emploi") if etude.available("demandeurs_emploi") else None
    figures = territory_figures(suivi, etude.annee)
    left_out = left_out_publics(publics)
    seg_ref = load_referentiel("segments").set_index("segment_id")
    kept = segments[segments["retenu"].astype(bool)]
    if "rang" in kept.columns:
        kept = kept.sort_values("rang", kind="stable")
    peer_table = published_peers(etude) if len(kept) else None
    per_segment = {}
    by_public = {}  # one table per public (every segment), shared by the opportunities of the segments
    if demandeurs is not None and not demandeurs.empty and len(kept):
        by_public = {p["public_id"]: segments_for_publics(demandeurs, etude.annee, [p["public_id"]]) for p in left_out}
    for sid in kept["segment_id"].astype(str):
        ref = seg_ref.loc[sid].to_dict() if sid in seg_ref.index else {"libelle": sid}
        per_segment[sid] = ({"segment_id": sid, **ref},
                            opportunities(demandeurs, etude.annee, left_out, sid, etude.threshold, by_public))
    citations = {sid: peer_citation(peer_table, sid) for sid in per_segment}
    # the screened purchases of each buyer × segment, split once (not two comparisons over the table a sheet)
    by_pair, none_screened = {}, None
    if screened is not None and not screened.empty:
        by_pair = dict(iter(screened.groupby([screened["acheteur_siret"], screened["segment_id"]], sort=False)))
        none_screened = screened.iloc[0:0]
    adaptations_table = load_referentiel(ADAPTATIONS_TABLE)
    sheets = []
    for buyer in etude.config.acheteurs:
        legal = legal_framework(str(buyer.get("type") or ""))
        for sid, (segment, opp) in per_segment.items():
            mine = None if none_screened is None else by_pair.get((str(buyer.get("siret")), sid), none_screened)
            context = sheet_context(
                buyer, segment, territoire=etude.config.nom, annee=etude.annee, figures=figures,
                publics=left_out, opportunities_table=opp, legal=legal,
                adaptations=adaptations_for(segment, mine, adaptations_table), purchases=mine,
                threshold=etude.threshold, peer=citations[sid])
            sheets.append(ArgumentSheet(str(buyer.get("siret")), str(buyer.get("nom")), sid,
                                        str(segment.get("libelle")), context))
    return sheets


NO_BUYER = ("Aucun acheteur partenaire n'est déclaré dans territoire.yaml (clé « acheteurs ») : pas de fiche "
            "argumentaire.")
NO_SEGMENT = "Aucun segment prioritaire retenu : pas de fiche argumentaire."


def no_sheet_note(buyers: list[dict]) -> str:
    """Why no argument sheet is written (French, for the notebook and the report)."""
    return NO_BUYER if not buyers else NO_SEGMENT


#: Published table of phase 05 (``tables_publiees.csv``): :func:`sheets_table`, the list the notebook shows.
SHEETS_TABLE = "argumentaires_fiches"


def sheets_table(sheets: list[ArgumentSheet]) -> pd.DataFrame:
    """List of the sheets (French headers), published by phase 05 as :data:`SHEETS_TABLE`."""
    return pd.DataFrame([{"Acheteur": s.acheteur_nom, "Segment": s.segment_libelle,
                          "Adaptations": len(s.context["adaptations"]), "Achats prévus": len(s.context["achats"]),
                          "Fichier": f"argumentaires/{s.filename}"} for s in sheets],
                        columns=["Acheteur", "Segment", "Adaptations", "Achats prévus", "Fichier"])


def key_figures(sheets: list[ArgumentSheet], figures: dict, publics: list[dict]) -> str:
    """Stable French lines for the pinned nbval cell."""
    values = figures.get("valeurs", {})
    lines = [f"Argumentaires : {len(sheets)} ({len({s.acheteur_siret for s in sheets})} acheteur(s) × "
             f"{len({s.segment_id for s in sheets})} segment(s))"]
    if figures.get("disponible"):
        lines.append(f"Part des heures BTP + nettoyage : {values['part_construction_nettoyage']:.3f}")
        eff = values.get("nombre_effectif_segments")
        lines.append(f"Nombre effectif de segments : {eff:.2f}" if eff is not None else "Nombre effectif de segments : non calculable")
    else:
        lines.append(figures.get("explication", ""))
    lines.append("Publics laissés de côté : " + (", ".join(p["public_id"] for p in publics) or "aucun"))
    lines.append("Segments : " + ", ".join(dict.fromkeys(s.segment_id for s in sheets)))
    return "\n".join(lines)
