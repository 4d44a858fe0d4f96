"""Raw reading of real-world exports: encodings, separators, Excel quirks."""

import pytest
from openpyxl import Workbook

from diversification.errors import InputError
from diversification.reading import detect_encoding, read_raw_table, sniff_separator

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


def test_xls_is_refused_with_advice(tmp_path):
    path = tmp_path / "vieux.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"\.xls"):
        read_raw_table(path)


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
