"""One case per defect of a user's input: a French message naming the file, the column and the rows;
the valid rows kept; the rejected rows counted and listed in the rejects file; never a traceback."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from diversification.inputs import quality
from diversification.publish import documents
from diversification.run.cli import app

from .conftest import SUIVI_HEADER, SUIVI_ROWS


def run_check(territory: Path, tmp_path: Path):
    check = quality.check_territory(territory, today=None)
    documents.write_check_outputs(check, tmp_path / "run")
    with open(tmp_path / "run" / "prive" / "rejets.csv", encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle, delimiter=";"))
    return check, rejects, quality.reject_messages(check.data)


def suivi(lines: list[str], header: str = SUIVI_HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def others_loaded(check, but: str) -> None:
    for key, result in check.data.inputs.items():
        if key != but:
            assert result.status == "chargée", (key, result.notices)


# --- whole files ------------------------------------------------------------------------------


def test_empty_file(territory, tmp_path):
    (territory / "suivi_clauses.csv").write_bytes(b"")
    check, rejects, _ = run_check(territory, tmp_path)
    result = check.data.inputs["suivi_clauses"]
    assert result.status == "illisible"
    assert "Le fichier « suivi_clauses.csv » est vide." in result.notices
    assert [(r["fichier"], r["action"]) for r in rejects] == [("suivi_clauses.csv", "fichier rejeté")]
    others_loaded(check, "suivi_clauses")


def test_header_only(territory, tmp_path):
    (territory / "suivi_clauses.csv").write_text(SUIVI_HEADER + "\n", encoding="utf-8")
    check, rejects, _ = run_check(territory, tmp_path)
    result = check.data.inputs["suivi_clauses"]
    assert result.status == "chargée" and result.rows_read == 0 and result.table.empty
    assert "« suivi_clauses.csv » ne contient que la ligne d'en-tête : aucune donnée." in result.notices
    assert rejects == []


def test_windows_1252_is_read_with_its_accents(territory, tmp_path):
    (territory / "suivi_clauses.csv").write_bytes(suivi(SUIVI_ROWS).encode("cp1252"))
    check, _, _ = run_check(territory, tmp_path)
    table = check.data.table("suivi_clauses")
    assert len(table) == 4 and "Bâtiments Évrard" in set(table["entreprise_nom"])
    assert "« suivi_clauses.csv » : encodage Windows-1252 détecté et converti." in check.data.inputs["suivi_clauses"].notices


def test_mixed_encoding_is_reported(territory, tmp_path):
    good = suivi(SUIVI_ROWS[:2]).encode("utf-8")
    bad = (SUIVI_ROWS[2].replace("Propreté", "Propreté") + "\n").encode("cp1252")
    (territory / "suivi_clauses.csv").write_bytes(good + bad)
    check, _, _ = run_check(territory, tmp_path)
    notices = check.data.inputs["suivi_clauses"].notices
    assert any("mélange les encodages UTF-8 et Windows-1252" in n for n in notices)
    assert len(check.data.table("suivi_clauses")) == 3  # rows kept; the facilitator is told to re-save the file


def test_wrong_separator(territory, tmp_path):
    text = suivi(SUIVI_ROWS).replace(";", ":")
    (territory / "suivi_clauses.csv").write_text(text, encoding="utf-8")
    check, rejects, _ = run_check(territory, tmp_path)
    message = check.data.inputs["suivi_clauses"].notices[-1]
    assert message.startswith("Le fichier « suivi_clauses.csv » (Suivi des clauses sociales) : colonne(s) obligatoire(s) absente(s)")
    assert "le séparateur n'a pas été reconnu" in message
    assert rejects[0]["action"] == "fichier rejeté"
    others_loaded(check, "suivi_clauses")


def test_missing_required_column(territory, tmp_path):
    header = SUIVI_HEADER.replace(";heures_realisees", "")
    rows = [";".join(r.split(";")[:7] + r.split(";")[8:]) for r in SUIVI_ROWS]
    (territory / "suivi_clauses.csv").write_text(suivi(rows, header), encoding="utf-8")
    check, _, _ = run_check(territory, tmp_path)
    result = check.data.inputs["suivi_clauses"]
    assert result.status == "illisible"
    assert "« heures_realisees » (Heures réalisées)" in result.notices[-1]
    assert any("« Suivi des clauses sociales » illisible" in w for w in check.avertissements)


def test_unknown_extra_column_is_reported_never_a_crash(territory, tmp_path):
    rows = [r + ";note libre" for r in SUIVI_ROWS]
    (territory / "suivi_clauses.csv").write_text(suivi(rows, SUIVI_HEADER + ";Remarque"), encoding="utf-8")
    check, rejects, messages = run_check(territory, tmp_path)
    assert len(check.data.table("suivi_clauses")) == 4
    assert "« suivi_clauses.csv », colonne « Remarque » : colonne inconnue du format attendu : ignorée — colonne ignorée." in messages
    assert [r["action"] for r in rejects] == ["colonne ignorée"]


# --- rows and values ----------------------------------------------------------------------------


def test_wrong_types(territory, tmp_path):
    rows = list(SUIVI_ROWS)
    rows[1] = rows[1].replace(";60;", ";soixante;")
    rows[3] = rows[3].replace(";non;non;autre", ";peut-être;non;autre")
    (territory / "suivi_clauses.csv").write_text(suivi(rows), encoding="utf-8")
    check, rejects, messages = run_check(territory, tmp_path)
    assert len(check.data.table("suivi_clauses")) == 2
    assert "« suivi_clauses.csv », colonne « heures_realisees » : Heures réalisées : nombre illisible (ligne 3) — ligne rejetée." in messages
    assert "« suivi_clauses.csv », colonne « rqth » : RQTH : oui ou non attendu (ligne 5) — ligne rejetée." in messages
    assert {(r["ligne"], r["colonne"], r["valeur"]) for r in rejects} == {("3", "heures_realisees", "soixante"), ("5", "rqth", "peut-être")}


def test_negative_and_absurd_hours_and_amounts(territory, tmp_path):
    rows = list(SUIVI_ROWS)
    rows[0] = rows[0].replace(";80,5;", ";-5;")
    rows[2] = rows[2].replace(";150;", ";50 000;")
    (territory / "suivi_clauses.csv").write_text(suivi(rows), encoding="utf-8")
    achats = (territory / "achats_prevus.csv").read_text(encoding="utf-8").replace("300 000", "-300")
    (territory / "achats_prevus.csv").write_text(achats, encoding="utf-8")
    check, rejects, messages = run_check(territory, tmp_path)
    assert len(check.data.table("suivi_clauses")) == 2 and len(check.data.table("achats_prevus")) == 1
    assert "« suivi_clauses.csv », colonne « heures_realisees » : Heures réalisées : valeur inférieure au minimum admis (0) (ligne 2) — ligne rejetée." in messages
    assert "« suivi_clauses.csv », colonne « heures_realisees » : Heures réalisées : valeur supérieure au maximum admis (20000) (ligne 4) — ligne rejetée." in messages
    assert "« achats_prevus.csv », colonne « montant_estime_ht » : Montant estimé (€ HT) : valeur inférieure au minimum admis (0) (ligne 3) — ligne rejetée." in messages


def test_absurd_decp_amount_excluded_from_totals_kept_in_counts(territory, tmp_path):
    path = territory / "decp" / "reel.json"
    path.write_text(path.read_text(encoding="utf-8").replace("952543.75", "5e10"), encoding="utf-8")
    check, _, messages = run_check(territory, tmp_path)
    decp = check.data.table("decp")
    assert len(decp) == 1 and not bool(decp["montant_valide"].iloc[0])
    assert any(m.startswith("« reel.json », colonne « montant »") and "exclu" in m for m in messages)


def test_impossible_and_future_dates(territory, tmp_path):
    rows = list(SUIVI_ROWS)
    rows[0] = rows[0].replace("01/02/2024", "31/02/2024")
    rows[1] = rows[1].replace("01/02/2024", "01/02/2099")
    (territory / "suivi_clauses.csv").write_text(suivi(rows), encoding="utf-8")
    achats = (territory / "achats_prevus.csv").read_text(encoding="utf-8").replace("01/09/2027", "31/02/2027")
    (territory / "achats_prevus.csv").write_text(achats, encoding="utf-8")
    check, _, messages = run_check(territory, tmp_path)
    assert len(check.data.table("suivi_clauses")) == 4  # optional date: value ignored, row kept
    assert any(m.startswith("« suivi_clauses.csv », colonne « date_debut » : Date de début : date illisible ou impossible") and "(ligne 2)" in m for m in messages)
    assert any(m.startswith("« suivi_clauses.csv », colonne « date_debut » : Date de début : date dans le futur") and "(ligne 3)" in m for m in messages)
    assert len(check.data.table("achats_prevus")) == 1  # required start date: row rejected
    assert any(m.startswith("« achats_prevus.csv », colonne « date_debut »") and "ligne rejetée" in m for m in messages)


def test_duplicated_rows(territory, tmp_path):
    rows = [*SUIVI_ROWS, SUIVI_ROWS[0], SUIVI_ROWS[0]]
    (territory / "suivi_clauses.csv").write_text(suivi(rows), encoding="utf-8")
    check, rejects, messages = run_check(territory, tmp_path)
    assert len(check.data.table("suivi_clauses")) == 4
    assert "« suivi_clauses.csv » : doublon : ligne identique à la ligne 2 (lignes 6 et 7) — doublon retiré." in messages
    assert sorted(r["ligne"] for r in rejects) == ["6", "7"]


# --- DECP files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, expected",
    [
        ('{"marches": [{"id": "1", "acheteur": {"id": "130', "JSON"),
        ("id;montant\n1;2\n", "JSON"),
        ('{"version": "3.0", "contrats": []}', "marches"),
        ('{"marches": {"foo": 1}}', "marches"),
    ],
    ids=["tronque", "pas-json", "schema-inconnu", "marches-dict"],
)
def test_bad_decp_json(territory, tmp_path, content, expected):
    (territory / "decp" / "reel.json").write_text(content, encoding="utf-8")
    check, rejects, _ = run_check(territory, tmp_path)
    result = check.data.inputs["decp"]
    assert result.status == "illisible"
    assert "reel.json" in result.notices[-1] and expected in result.notices[-1]
    assert rejects[0]["fichier"] == "reel.json" and rejects[0]["action"] == "fichier rejeté"
    others_loaded(check, "decp")


# --- Excel ---------------------------------------------------------------------------------------


def excel_structures(path: Path, *, extra_sheet=False, merged=False, formula=False) -> None:
    wb = Workbook()
    ws = wb.active
    if extra_sheet:
        ws.title = "Lisez-moi"
        ws.append(["Export de l'annuaire des structures inclusives"])
        ws = wb.create_sheet("structures")
    if merged:
        ws.append(["siret", "nom", "type", "secteurs", "Localisation", None, "capacite_etp"])
        ws.merge_cells("E1:F1")
    else:
        ws.append(["siret", "nom", "type", "secteurs", "commune", "departement", "capacite_etp"])
    ws.append(["44090956200041", "Régie Nord", "ACI", "Nettoyage", "Lille", "59", 12.5])
    ws.append(["13001845000028", "ESAT du Lac", "ESAT", "Blanchisserie", "Annecy", "74", "=10*4" if formula else 40])
    wb.save(path)


def test_xlsx_with_several_sheets(territory, tmp_path):
    (territory / "structures_inclusives.csv").unlink()
    excel_structures(territory / "structures_inclusives.xlsx", extra_sheet=True)
    check, _, _ = run_check(territory, tmp_path)
    assert len(check.data.table("structures_inclusives")) == 2
    assert any("feuille lue : « structures »" in n for n in check.data.inputs["structures_inclusives"].notices)


def test_xlsx_with_merged_header_cells(territory, tmp_path):
    (territory / "structures_inclusives.csv").unlink()
    excel_structures(territory / "structures_inclusives.xlsx", merged=True)
    check, rejects, _ = run_check(territory, tmp_path)
    result = check.data.inputs["structures_inclusives"]
    assert len(result.table) == 2
    assert any("cellules d'en-tête fusionnées (E1:F1)" in n for n in result.notices)
    assert {r["colonne"] for r in rejects} == {"Localisation", "Localisation_2"}  # reported, ignored


def test_xlsx_with_a_formula(territory, tmp_path):
    (territory / "structures_inclusives.csv").unlink()
    excel_structures(territory / "structures_inclusives.xlsx", formula=True)
    check, rejects, messages = run_check(territory, tmp_path)
    table = check.data.table("structures_inclusives")
    assert len(table) == 2 and table["capacite_etp"].isna().tolist() == [False, True]
    assert any(m.startswith("« structures_inclusives.xlsx », colonne « capacite_etp » : formule sans valeur calculée") and "(ligne 3)" in m
               for m in messages)
    assert rejects[0]["valeur"] == "'=10*4"  # quoted in the CSV: never a live formula


# --- configuration and missing inputs -------------------------------------------------------------


def test_config_syntax_error_names_the_line(territory):
    (territory / "territoire.yaml").write_text('nom: "X"\nidentifiant: x\nannee: 2024\nacheteurs: [\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["valider", "--territoire", str(territory)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "territoire.yaml, ligne 5" in result.output


def test_config_unknown_key_suggests(territory):
    text = (territory / "territoire.yaml").read_text(encoding="utf-8") + "prioriter_politiques: []\n"
    (territory / "territoire.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["valider", "--territoire", str(territory)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Vouliez-vous dire « priorites_politiques » ?" in " ".join(result.output.split())


def test_missing_optional_input(territory, tmp_path):
    (territory / "achats_prevus.csv").unlink()
    check, _, _ = run_check(territory, tmp_path)
    assert check.data.inputs["achats_prevus"].status == "absente"
    assert any(w.startswith("Entrée facultative « Achats prévus » absente") for w in check.avertissements)
    others_loaded(check, "achats_prevus")
