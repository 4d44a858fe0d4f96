"""French-formatted values: expected, edge and erroneous cases."""

import datetime as dt

import pandas as pd
import pytest

from diversification.inputs import parsing


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234", 1234.0),
        ("1234,5", 1234.5),
        ("1 234,56", 1234.56),
        ("1\u00a0234,56", 1234.56),  # non-breaking space
        ("1\u202f234,56", 1234.56),  # narrow non-breaking space
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("1.234.567", 1234567.0),
        ("12 500 €", 12500.0),
        ("-3,5", -3.5),
        ("0", 0.0),
        (952543.75, 952543.75),
    ],
)
def test_parse_number_reads_french_formats(text, expected):
    assert parsing.parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "NC", "nc", "N/A", None, "  ", float("nan")])
def test_parse_number_missing_values(text):
    assert parsing.parse_number(text) is None


@pytest.mark.parametrize("text", ["douze", "12abc", "5 %", "1,2,3a"])
def test_parse_number_refuses_garbage_with_french_reason(text):
    with pytest.raises(ValueError) as exc:
        parsing.parse_number(text)
    assert "nombre" in str(exc.value)


def test_parse_int_refuses_decimals():
    assert parsing.parse_int("12") == 12
    assert parsing.parse_int("1 200") == 1200
    with pytest.raises(ValueError, match="entier"):
        parsing.parse_int("12,5")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("31/12/2024", pd.Timestamp(2024, 12, 31)),
        ("2024-12-31", pd.Timestamp(2024, 12, 31)),
        ("2024-02-29T10:00:00+01:00", pd.Timestamp(2024, 2, 29)),
        ("01-03-2023", pd.Timestamp(2023, 3, 1)),
        (dt.date(2022, 5, 4), pd.Timestamp(2022, 5, 4)),
    ],
)
def test_parse_date(text, expected):
    assert parsing.parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "2024-13-01", "demain", "32/01/2024"])
def test_parse_date_refuses_impossible_dates(text):
    with pytest.raises(ValueError, match="date"):
        parsing.parse_date(text)


@pytest.mark.parametrize("text, expected", [("oui", True), ("Non", False), ("1", True), ("0", False), ("VRAI", True), ("x", True), ("", None)])
def test_parse_bool(text, expected):
    assert parsing.parse_bool(text) is expected


def test_parse_bool_refuses_other_words():
    with pytest.raises(ValueError, match="oui ou non"):
        parsing.parse_bool("peut-être")


@pytest.mark.parametrize("text, expected", [("45000000-7", "45000000"), ("72210000", "72210000"), (" 45316110-9 ", "45316110"), ("NC", None)])
def test_normalize_cpv(text, expected):
    assert parsing.normalize_cpv(text) == expected


@pytest.mark.parametrize("text", ["4521000", "452100001", "45A10000", "45000000-77"])
def test_normalize_cpv_refuses_bad_codes(text):
    with pytest.raises(ValueError, match="CPV"):
        parsing.normalize_cpv(text)


def test_normalize_header():
    assert parsing.normalize_header(" Heures réalisées ") == "heures_realisees"
    assert parsing.normalize_header("Code métier BMO") == "code_metier_bmo"
    assert parsing.normalize_header("acheteur.id") == "acheteur_id"
