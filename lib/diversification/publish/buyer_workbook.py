"""Excel workbook for the meeting with the buyers (Fiche C1 §II.b « mobilisation des acheteurs »).

One sheet per partner buyer (its planned purchases, the recommendation, the
flags and the inclusive structures to contact), then the rules table. Written
with :func:`diversification.publish.safe_output.write_excel`: French headers, € and %
formats, autofilter, frozen header row, fitted column widths, and every text
cell written as text (a value starting with ``=``, ``+``, ``-`` or ``@`` is
never evaluated as a formula).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from diversification.inputs.referentiels import sheet_name
from diversification.publish import gate
from diversification.publish.safe_output import write_excel

WORKBOOK_FOLDER = "acheteurs"
WORKBOOK_NAME = "reunion_acheteurs.xlsx"
#: Sheet keys of the workbook; their names are in ``dictionnaire.csv`` (``feuilles_excel``).
BUYERS_SHEET_KEY, BUYER_SHEET_KEY, RULES_SHEET_KEY = "acheteurs", "acheteur", "regles_recommandation"
BUYERS_HEADERS = {"feuille": "Feuille", "nom": "Acheteur", "siret": "SIRET", "achats": "Achats examinés"}

#: Screening column → French header of the buyer sheets.
HEADERS = {
    "id_achat": "Achat",
    "objet": "Objet",
    "segment_libelle": "Segment d'achat",
    "nature": "Nature",
    "forme": "Forme",
    "montant_examine_ht": "Montant estimé (€ HT)",
    "seuil_ht": "Seuil d'examen (€ HT)",
    "origine_seuil": "Origine du seuil",
    "duree_mois": "Durée (mois)",
    "allotissement": "Lots",
    "nb_toutes": "Structures inclusives locales",
    "dependance_toutes": "Part de leur capacité",
    "recommandation": "Recommandation",
    "motif": "Motif",
    "signalements": "Points d'attention",
    "a_contacter": "Structures et entreprises à contacter",
}
FORMATS = {
    "Montant estimé (€ HT)": "euro_entier",
    "Seuil d'examen (€ HT)": "euro_entier",
    "Part de leur capacité": "pourcent",
    "Durée (mois)": "entier",
    "Lots": "entier",
    "Structures inclusives locales": "entier",
}
RULE_HEADERS = {
    "regle_id": "Règle", "ordre": "Ordre", "sous_seuil": "Sous le seuil", "groupes_segment": "Groupes de segments",
    "type_structures": "Type de structures", "nb_structures_min": "Structures (min)",
    "nb_structures_max": "Structures (max)", "dependance_max": "Part de capacité (max)",
    "duree_min_mois": "Durée minimale (mois)", "montant_min_ht": "Montant minimal (€ HT)", "lots_min": "Lots (min)",
    "recommandation": "Recommandation", "motif": "Motif", "statut": "Statut", "source": "Source",
}


def contacts_by_purchase(sourcing: pd.DataFrame | None, per_purchase: int = 5) -> dict[str, str]:
    """``id_achat`` → « name (type, place) ; … » of the first rows of the sourcing panel (local first)."""
    if sourcing is None or sourcing.empty:
        return {}
    out = {}
    for achat, rows in sourcing.groupby("id_achat", sort=False):
        items = [f"{r.nom} ({r.type}, {r.localisation})" for r in rows.head(per_purchase).itertuples(index=False)]
        out[str(achat)] = " ; ".join(items)
    return out


def buyer_sheet(screened: pd.DataFrame, siret: str, contacts: dict[str, str]) -> pd.DataFrame:
    """The purchases of one buyer with French headers (numbers kept numeric for the Excel formats)."""
    rows = screened[screened["acheteur_siret"].astype(str) == str(siret)].copy()
    rows["a_contacter"] = rows["id_achat"].astype(str).map(contacts).fillna("")
    table = rows.reindex(columns=list(HEADERS)).rename(columns=HEADERS)
    for col, kind in FORMATS.items():
        table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    return table.reset_index(drop=True)


def workbook_sheets(screened: pd.DataFrame, sourcing: pd.DataFrame | None, acheteurs: list[dict],
                    rules: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Sheet name → table: the list of the buyers (« Acheteurs »: the sheet of each, its name and SIRET), one
    sheet per buyer (« Acheteur 1 », « Acheteur 2 »... in configuration order), then the rules. Sheet names come
    from the data dictionary: short, never cut, whatever the buyers' names."""
    contacts = contacts_by_purchase(sourcing)
    listing, buyer_sheets = [], {}
    for rank, buyer in enumerate(acheteurs, start=1):
        name = sheet_name(BUYER_SHEET_KEY, rang=rank)
        siret = str(buyer.get("siret"))
        buyer_sheets[name] = buyer_sheet(screened, siret, contacts)
        listing.append({"feuille": name, "nom": str(buyer.get("nom") or siret), "siret": siret,
                        "achats": len(buyer_sheets[name])})
    sheets = {sheet_name(BUYERS_SHEET_KEY): pd.DataFrame(listing, columns=list(BUYERS_HEADERS))
              .rename(columns=BUYERS_HEADERS)}
    sheets.update(buyer_sheets)
    if rules is not None:
        sheets[sheet_name(RULES_SHEET_KEY)] = rules.reindex(columns=list(RULE_HEADERS)).rename(columns=RULE_HEADERS)
    return sheets


def write_workbook(screened: pd.DataFrame, sourcing: pd.DataFrame | None, acheteurs: list[dict],
                   run_dir: str | Path | None, *, rules: pd.DataFrame | None = None) -> Path | None:
    """Write ``acheteurs/reunion_acheteurs.xlsx`` into the run folder (None when exploring)."""
    if not run_dir:
        return None

    sheets = workbook_sheets(screened, sourcing, acheteurs, rules)
    buyers_sheet, rules_sheet = sheet_name(BUYERS_SHEET_KEY), sheet_name(RULES_SHEET_KEY)
    formats = {name: dict(FORMATS) for name in sheets if name not in (rules_sheet, buyers_sheet)}
    formats[buyers_sheet] = {"Achats examinés": "entier"}
    if rules_sheet in sheets:
        formats[rules_sheet] = {"Part de capacité (max)": "pourcent", "Montant minimal (€ HT)": "euro_entier"}
        table = sheets[rules_sheet]
        for col in ("Ordre", "Structures (min)", "Structures (max)", "Part de capacité (max)",
                    "Durée minimale (mois)", "Montant minimal (€ HT)", "Lots (min)"):
            table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    return gate.write_with(run_dir, f"{WORKBOOK_FOLDER}/{WORKBOOK_NAME}",
                           lambda path: write_excel(sheets, path, formats=formats), kind="classeur")
