"""Workbook for the buyer meeting, opened back with openpyxl."""
import openpyxl
import pandas as pd

from diversification.publish import buyer_workbook as bw
from diversification.decisions import screening as s

ACHETEURS = [{"siret": "11111111111111", "nom": "Ville A"}, {"siret": "22222222222222", "nom": "Bailleur B"}]
SCREENED = pd.DataFrame({
    "id_achat": ["A1", "A2"], "acheteur_siret": ["11111111111111", "11111111111111"],
    "objet": ["=cmd|' /C calc'!A0", "@SUM(1)"], "segment_libelle": ["Restauration", "-Nettoyage"],
    "nature": ["services", "services"], "forme": ["marché ordinaire", "+x"],
    "montant_examine_ht": [123456.0, 50000.0], "seuil_ht": [40000.0, 40000.0],
    "origine_seuil": ["seuil de l'acheteur"] * 2, "duree_mois": [12, 1], "allotissement": [1, 2],
    "nb_toutes": [3, 0], "dependance_toutes": [0.125, None], "recommandation": ["clause", "clause"],
    "motif": ["m", "m"], "signalements": ["aucun", "durée"],
})
SOURCING = pd.DataFrame({"id_achat": ["A1"], "nom": ["EI Propre"], "type": ["EI"], "localisation": ["X, 99"]})


def test_workbook_round_trip(tmp_path):
    path = bw.write_workbook(SCREENED, SOURCING, ACHETEURS, tmp_path, rules=s.load_rules())
    assert path == tmp_path / "acheteurs" / "reunion_acheteurs.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Acheteurs", "Acheteur 1", "Acheteur 2", "Règles de recommandation"]
    listing = [[c.value for c in row] for row in wb["Acheteurs"].iter_rows()]
    assert listing == [["Feuille", "Acheteur", "SIRET", "Achats examinés"],
                       ["Acheteur 1", "Ville A", "11111111111111", 2], ["Acheteur 2", "Bailleur B", "22222222222222", 0]]
    ws = wb["Acheteur 1"]
    headers = [c.value for c in ws[1]]
    assert headers == list(bw.HEADERS.values())
    col = {h: i + 1 for i, h in enumerate(headers)}
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:P3"
    amount = ws.cell(2, col["Montant estimé (€ HT)"])
    assert amount.value == 123456 and amount.number_format == '#,##0 "€"'
    share = ws.cell(2, col["Part de leur capacité"])
    assert share.value == 0.125 and share.number_format == "0.0%"
    # formula injection neutralised: stored as text, never as a formula
    for row, header, text in [(2, "Objet", "=cmd|' /C calc'!A0"), (3, "Objet", "@SUM(1)"),
                              (3, "Segment d'achat", "-Nettoyage"), (3, "Forme", "+x")]:
        cell = ws.cell(row, col[header])
        assert cell.data_type == "s" and cell.value == text
    assert ws.cell(2, col["Structures et entreprises à contacter"]).value == "EI Propre (EI, X, 99)"
    assert ws.column_dimensions["B"].width > len("=cmd|' /C calc'!A0")
    # the other buyer has a header row only
    assert wb["Acheteur 2"].max_row == 1
    rules = wb["Règles de recommandation"]
    assert rules.cell(1, 1).value == "Règle" and rules.max_row == 1 + len(s.load_rules())


def test_no_workbook_when_exploring():
    assert bw.write_workbook(SCREENED, SOURCING, ACHETEURS, "") is None


def test_every_sheet_has_a_dictionary_name_whatever_the_buyer_names(tmp_path):
    """Long buyer names with « / » are never cut nor mangled into a sheet name: the sheets are named by the data
    dictionary (« Acheteur 1 »...) and the « Acheteurs » sheet gives each buyer's full name."""
    from diversification.inputs.referentiels import sheet_names

    long_name = "Centre hospitalier universitaire de Valmont / Saint-Aubin-les-Prés"
    acheteurs = [{"siret": "11111111111111", "nom": long_name}, {"siret": "22222222222222", "nom": "Ville A"}]
    path = bw.write_workbook(SCREENED, SOURCING, acheteurs, tmp_path, rules=s.load_rules())
    wb = openpyxl.load_workbook(path)
    names = set(sheet_names().values()) | {sheet_names()["acheteur"].format(rang=n) for n in (1, 2)}
    assert wb.sheetnames == ["Acheteurs", "Acheteur 1", "Acheteur 2", "Règles de recommandation"]
    assert set(wb.sheetnames) <= names and all(len(n) <= 31 for n in wb.sheetnames)
    assert wb["Acheteurs"].cell(2, 2).value == long_name
