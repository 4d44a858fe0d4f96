from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from diversification.indicators.disclosure import SECRET_LABEL, protect_frequencies
from diversification.inputs.errors import InputError
from diversification.publish.safe_output import (
    NUMBER_FORMATS,
    neutralize_formulas,
    safe_join,
    write_csv,
    write_excel,
    write_parquet,
)


@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "libellé": ["=HYPERLINK(\"http://x\")", "+33 6", "-rien", "@SUM(1)", "\tonglet", "\rretour", "Propreté", None],
            "montant_ht": [1500.5, -20.25, 0.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "effectif": pd.array([1, -2, 3, 4, 5, 6, 7, None], dtype="Int64"),
            "part": [0.5, 0.25, 0.125, 0.0, 0.0, 0.0, 0.0, 0.125],
        }
    )


def test_neutralize_formulas_text_only(table):
    out = neutralize_formulas(table)
    assert out["libellé"].tolist()[:7] == [
        "'=HYPERLINK(\"http://x\")",
        "'+33 6",
        "'-rien",
        "'@SUM(1)",
        "'\tonglet",
        "'\rretour",
        "Propreté",
    ]
    assert pd.isna(out["libellé"].iloc[7])
    # numbers stay numbers, negative ones included
    assert out["montant_ht"].tolist()[:2] == [1500.5, -20.25]
    assert out["effectif"].dtype == "Int64" and out["effectif"].iloc[1] == -2
    # headers too, and the input is untouched
    assert list(neutralize_formulas(pd.DataFrame({"=x": [1]})).columns) == ["'=x"]
    assert table["libellé"].iloc[0].startswith("=")


def test_write_csv_french_excel(tmp_path):
    df = pd.DataFrame({"segment": ["=1+1", "BTP"], "montant_ht": [1500.5, -20.0], "nb": [3, -4]})
    path = write_csv(df, tmp_path / "sous" / "t.csv")
    raw = path.read_bytes()
    assert raw == (
        "\ufeffsegment;montant_ht;nb\n'=1+1;1500,5;3\nBTP;-20,0;-4\n"
    ).encode("utf-8")
    # determinism: same table, same bytes
    assert write_csv(df, tmp_path / "u.csv").read_bytes() == raw


def test_write_csv_display_table_with_secret_and_index(tmp_path):
    df = pd.DataFrame({"effectif": [12, 3, 9], "part": [0.5, 0.125, 0.375]}, index=pd.Index(["F", "H", "-"], name="sexe"))
    shown = protect_frequencies(df, "effectif", derived_cols=["part"]).for_display()
    text = write_csv(shown, tmp_path / "t.csv").read_bytes().decode("utf-8-sig")
    assert text == (
        "sexe;effectif;part\n"
        "F;12;0,5\n"
        f"H;{SECRET_LABEL};{SECRET_LABEL}\n"
        f"'-;{SECRET_LABEL};{SECRET_LABEL}\n"
    )


def test_write_parquet_deterministic_round_trip(tmp_path, table):
    first = write_parquet(table, tmp_path / "a.parquet")
    second = write_parquet(table, tmp_path / "b.parquet")
    assert first.read_bytes() == second.read_bytes()
    back = pd.read_parquet(first)
    assert list(back.columns) == list(table.columns)
    assert back["libellé"].iloc[0] == table["libellé"].iloc[0]  # data kept as is
    assert back["effectif"].dtype == "Int64"
    assert pq.ParquetFile(first).metadata.row_group(0).column(0).compression in ("ZSTD", "SNAPPY")


def test_write_parquet_keeps_labelled_index_as_column(tmp_path):
    df = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["a", "b"], name="segment"))
    back = pd.read_parquet(write_parquet(df, tmp_path / "i.parquet"))
    assert back.to_dict("list") == {"segment": ["a", "b"], "n": [1, 2]}


def test_write_excel(tmp_path, table):
    long_name = "Répartition des heures par segment d'achat"
    path = write_excel(
        {"Montants": table, long_name: table, long_name + " bis": table.head(2)},
        tmp_path / "classeur.xlsx",
        formats={"Montants": {"montant_ht": "euro", "part": "pourcent"}},
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Montants", long_name[:31], long_name[:27] + " (2)"]
    ws = wb["Montants"]
    assert [c.value for c in ws[1]] == ["libellé", "montant_ht", "effectif", "part"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D9"
    # text that looks like a formula is a string cell, kept verbatim
    for row, expected in [(2, '=HYPERLINK("http://x")'), (5, "@SUM(1)"), (4, "-rien")]:
        cell = ws.cell(row=row, column=1)
        assert cell.value == expected
        assert cell.data_type == "s"
    # numbers, their formats, missing values
    assert ws["B3"].value == -20.25 and ws["B3"].data_type == "n"
    assert ws["B2"].number_format == NUMBER_FORMATS["euro"]
    assert ws["D2"].number_format == NUMBER_FORMATS["pourcent"]
    assert ws["C2"].number_format == "General"
    assert ws["C9"].value is None
    # widths fitted: the euro column is wider than the minimum, the long text column wider still
    assert ws.column_dimensions["A"].width > ws.column_dimensions["D"].width
    assert ws.column_dimensions["B"].width >= len("1,500.50 €")
    # no formula anywhere in the workbook
    for sheet in wb.worksheets:
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_write_excel_deterministic(tmp_path, table):
    a = write_excel({"T": table}, tmp_path / "a.xlsx").read_bytes()
    b = write_excel({"T": table}, tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_write_excel_refuses_unknown_format(tmp_path, table):
    with pytest.raises(ValueError):
        write_excel({"T": table}, tmp_path / "a.xlsx", formats={"T": {"part": "dollar"}})
    with pytest.raises(KeyError):
        write_excel({"T": table}, tmp_path / "a.xlsx", formats={"Autre": {"part": "euro"}})


def test_safe_join_accepts_plain_names(tmp_path):
    assert safe_join(tmp_path, "metropole-exemple", "2025", "run_01.a") == tmp_path / "metropole-exemple" / "2025" / "run_01.a"
    assert safe_join(tmp_path) == tmp_path


@pytest.mark.parametrize("part", ["../x", "..", ".", "/etc", "a/b", "a\\b", "é", "", "x y", "a..b"])
def test_safe_join_refusals(tmp_path, part):
    with pytest.raises(InputError, match="Nom refusé"):
        safe_join(tmp_path, "ok", part)


def test_safe_join_refuses_non_text(tmp_path):
    with pytest.raises(InputError):
        safe_join(tmp_path, Path("/etc"))
