"""Raw reading of real-world exports: encodings, separators, Excel quirks."""

from pathlib import Path

import pytest
from openpyxl import Workbook

from diversification.inputs.errors import InputError
from diversification.inputs.reading import read_raw_table, sniff_separator

TEXT = "commune;montant\nSaint-Étienne;1\u00a0234,5\nÉvreux;12\n"


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")])
def test_encodings_are_detected(tmp_path, encoding, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.encode(encoding))
    raw = read_raw_table(path)
    assert raw.encoding == expected
    assert raw.frame["commune"].tolist() == ["Saint-Étienne", "Évreux"]
    assert raw.frame["montant"].tolist() == ["1\u00a0234,5", "12"]
    assert raw.lines == [2, 3]


@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_separators_are_sniffed(sep):
    text = sep.join(["a", "b", "c"]) + "\n" + sep.join(["1", "2", "3"]) + "\n"
    assert sniff_separator(text) == sep


@pytest.mark.parametrize("text, sep", [
    # one data row under a header, three notes with a comma each (found by hypothesis: « , » on 3 lines won)
    ("a;b;c;d\n1;2;3;4\n,\nSource : Dares, Insee\nChamp : A, B\n", ";"),
    # commas inside quoted values do not count, decimal commas neither
    ('objet;montant;lieu\n"Nettoyage, vitrerie";1234,5;"Nantes, 44"\n"Repas, portage";12,0;Rezé\n', ";"),
    # a title with commas above a comma-separated table of two columns
    ("Demandeurs, par sexe, catégories A, B, C\nsexe,effectif\nF,10\nH,12\n", ","),
    ("une seule colonne\nsans séparateur\n", ";"),
])
def test_the_separator_is_the_one_that_splits_the_table(text, sep):
    assert sniff_separator(text) == sep


def test_cp1252_is_reported_in_a_notice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.encode("cp1252"))
    assert any("Windows-1252" in n for n in read_raw_table(path).notices)


def test_empty_file_is_an_input_error(tmp_path):
    path = tmp_path / "vide.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="« vide.csv » est vide"):
        read_raw_table(path)


def test_header_only_gives_no_rows(tmp_path):
    path = tmp_path / "entete.csv"
    path.write_text("a;b\n", encoding="utf-8")
    raw = read_raw_table(path)
    assert list(raw.frame.columns) == ["a", "b"] and raw.frame.empty


def test_blank_lines_keep_true_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n\n3;4\n", encoding="utf-8")
    assert read_raw_table(path).lines == [2, 4]


SPREADSHEETS = Path(__file__).parent / "fixtures" / "tableurs"


@pytest.mark.parametrize("name, sheet, others, lines, title, note", [
    ("demandeurs_emploi.xls", "Données", "« Notes »", [4, 5, 6], "ligne 1", "ligne 8"),
    ("demandeurs_emploi.ods", "Données", "« Description »", [3, 4, 5], "ligne 1", "ligne 7"),
])
def test_excel_97_and_opendocument_workbooks_are_read(name, sheet, others, lines, title, note):
    """An Excel 97-2003 and a LibreOffice workbook (fixtures/tableurs/README.md): the data sheet, its header under a
    title line, the note under the table left out; the numbers read as written (2025, not 2025.0)."""
    raw = read_raw_table(SPREADSHEETS / name, ["annee", "sexe", "effectif"])
    assert raw.sheet == sheet and raw.lines == lines
    assert raw.frame[["annee", "sexe", "effectif"]].to_dict("records") == [
        {"annee": "2025", "sexe": "Ensemble", "effectif": "1000"}, {"annee": "2025", "sexe": "Femmes", "effectif": "520"},
        {"annee": "2025", "sexe": "Hommes", "effectif": "480"}]
    assert f"« {name} » : classeur à 2 feuilles ; feuille lue : « Données » (ignorées : {others})." in raw.notices
    assert f"« {name} » : 1 ligne(s) de titre avant la ligne d'en-tête ignorée(s) ({title})." in raw.notices
    assert (f"« {name} » : 1 ligne(s) de notes sous le tableau ignorée(s) ({note}), par exemple « Source : France "
            "Travail, STMT ; traitement Dares. ».") in raw.notices


def test_a_merged_header_of_an_excel_97_workbook_is_unmerged():
    raw = read_raw_table(SPREADSHEETS / "demandeurs_emploi.xls", ["annee", "sexe", "effectif"])
    assert list(raw.frame.columns) == ["annee", "sexe", "sexe_2", "effectif"]
    assert ("« demandeurs_emploi.xls » : cellules d'en-tête fusionnées (B3:C3) défusionnées ; chaque colonne reprend "
            "le libellé de la cellule fusionnée.") in raw.notices


@pytest.mark.parametrize("name, kind", [("vieux.xls", "Excel 97-2003"), ("calc.ods", "OpenDocument")])
def test_an_unreadable_excel_97_or_opendocument_file_is_a_french_error(tmp_path, name, kind):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0 ceci n'est pas un classeur")
    with pytest.raises(InputError, match=f"« {name} » n'est pas un classeur {kind} lisible"):
        read_raw_table(path)


def test_the_job_seekers_of_a_libreoffice_workbook_load_as_a_published_table(tmp_path):
    from diversification.indicators import demand
    from diversification.inputs.loading import load_demandeurs_emploi

    loaded = load_demandeurs_emploi([SPREADSHEETS / "demandeurs_emploi.ods"])
    assert not loaded.rejects.records and loaded.table["ligne"].tolist() == [3, 4, 5]
    assert demand.demand_by_public(loaded.table, 2025).set_index("public_id").at["femmes", "demandeurs"] == 520


def test_excel_chooses_the_sheet_with_expected_columns(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Description_des_variables"
    ws.append(["variable", "description"])
    ws.append(["met", "projets de recrutement"])
    data = wb.create_sheet("BMO_2025_open_data")
    data.append(["annee", "Code métier BMO", "met"])
    data.append([2025, "A0Z40", 120])
    path = tmp_path / "bmo.xlsx"
    wb.save(path)
    raw = read_raw_table(path, ["annee", "code_metier_bmo", "met"])
    assert raw.sheet == "BMO_2025_open_data"
    assert raw.frame.to_dict("records") == [{"annee": "2025", "Code métier BMO": "A0Z40", "met": "120"}]
    assert any("2 feuilles" in n and "BMO_2025_open_data" in n for n in raw.notices)


def test_excel_merged_header_and_formula(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Heures", None, "siret"])
    ws.merge_cells("A1:B1")
    ws.append([10, 20, "44090956200041"])
    ws.append([1, "=A3*2", "44090956200041"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    raw = read_raw_table(path, ["siret"])
    assert list(raw.frame.columns) == ["Heures", "Heures_2", "siret"]
    assert any("fusionnées" in n for n in raw.notices)
    # openpyxl never computes formulas: no cached value → the cell is empty and reported
    assert raw.frame.iloc[1]["Heures_2"] == ""
    assert raw.cell_notes == [(3, "Heures_2", "=A3*2", "formule sans valeur calculée enregistrée : cellule considérée vide")]


PUBLISHED = ("Demandeurs d'emploi inscrits à France Travail, par sexe\n"
             "Source : France Travail, STMT ; traitement Dares\n"
             "\n"
             "annee;sexe;effectif\n"
             "2025;Femmes;520\n"
             "2025;Hommes;480\n"
             "Champ : France métropolitaine, catégories A, B, C. Effectifs bruts arrondis à la dizaine, "
             "hors Mayotte, en fin de trimestre.\n"
             ";;\n"
             "Lecture : 520 femmes.\n")


def test_a_published_csv_table_titles_and_notes_are_left_out_and_said(tmp_path):
    """Title lines above the header (one with a comma, not the separator) and note lines under the table."""
    path = tmp_path / "demandeurs.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    raw = read_raw_table(path, ["annee", "sexe", "effectif"])
    assert raw.separator == ";"
    assert raw.frame.to_dict("records") == [{"annee": "2025", "sexe": "Femmes", "effectif": "520"},
                                            {"annee": "2025", "sexe": "Hommes", "effectif": "480"}]
    assert raw.lines == [5, 6]
    assert raw.notices == [
        "« demandeurs.csv » : 2 ligne(s) de titre avant la ligne d'en-tête ignorée(s) (lignes 1 et 2).",
        "« demandeurs.csv » : 2 ligne(s) de notes sous le tableau ignorée(s) (lignes 7 et 9), par exemple "
        "« Champ : France métropolitaine, catégories A, B, C. Effectifs bruts arrondis à l… »."]


def test_a_published_excel_table_titles_and_notes_are_left_out_and_said(tmp_path):
    wb = Workbook()
    ws = wb.active
    for row in ([["Demandeurs d'emploi inscrits"], [], ["annee", "sexe", "effectif"], [2025, "Femmes", 520],
                 [2025, "Hommes", "=480"], [], ["Source : Dares"]]):
        ws.append(row)
    path = tmp_path / "demandeurs.xlsx"
    wb.save(path)
    raw = read_raw_table(path, ["annee", "sexe", "effectif"])
    assert raw.frame["sexe"].tolist() == ["Femmes", "Hommes"] and raw.lines == [4, 5]
    assert raw.notices == [
        "« demandeurs.xlsx » : 1 ligne(s) de titre avant la ligne d'en-tête ignorée(s) (ligne 1).",
        "« demandeurs.xlsx » : 1 ligne(s) de notes sous le tableau ignorée(s) (ligne 7), par exemple « Source : Dares »."]
    assert [n[0] for n in raw.cell_notes] == [5]  # the formula of a kept row is still said


def test_a_row_of_one_cell_among_data_rows_is_not_a_note(tmp_path):
    """Only the last rows can be notes: a row of one cell followed by data is kept (the loader rejects it)."""
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n3;\n4;5\n6\n", encoding="utf-8")
    raw = read_raw_table(path, ["a", "b"])
    assert raw.frame["a"].tolist() == ["1", "3", "4"] and raw.lines == [2, 3, 4]
    assert raw.notices == ["« t.csv » : 1 ligne(s) de notes sous le tableau ignorée(s) (ligne 5), par exemple « 6 »."]


def test_every_input_requires_two_columns_so_a_row_of_one_cell_is_never_data():
    """The ground on which the reader leaves out the rows of one cell under a table."""
    from diversification.inputs import schemas

    specs = list(schemas.TABULAR_INPUTS.values())  # the DECP files are read by their own readers
    assert len(specs) == 5
    assert all(len(spec.required_columns) >= 2 for spec in specs)
