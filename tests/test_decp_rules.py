"""The DECP rules of :mod:`diversification.inputs.decp_rules`, value by value (expected values written by hand).

Both entry points call these rules (:func:`decp.load_decp` and :func:`national.clean_national`); that they
then accept the same contracts for the same reasons is checked on every fixture by
``tests/test_decp_deux_entrees.py``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from diversification.inputs import decp_rules as rules

TODAY = date(2026, 1, 1)


def _lookups(**columns):
    n = len(next(iter(columns.values())))
    raw = {name: pa.chunked_array([pa.array(values, pa.string())]) for name, values in columns.items()}
    return rules.lookups(rules.small_cursor(), raw, n, TODAY), n


def _column(found, key: str, name: str) -> list:
    code, result = found[key]
    return rules.spread(result, name, code).to_pylist()


def test_cpv_code_validity_and_nature():
    found, _ = _lookups(codeCPV=["45233140", "30197630-1", " 90910000.0", "9134100", None, "NC", "72000000-5"])
    assert _column(found, "cpv", "codeCPV") == ["45233140", "30197630", "90910000", None, None, None, "72000000"]
    assert _column(found, "cpv", "nature_achat") == ["travaux", "fournitures", "services", None, None, None, "services"]
    # absent (no text, or a missing-value token) is not invalid; an unusable code is
    assert _column(found, "cpv", "invalide") == [False, False, False, True, False, False, False]
    assert _column(found, "cpv", "text") == ["45233140", "30197630-1", "90910000.0", "9134100", None, None,
                                             "72000000-5"]


def test_dates_iso_french_impossible_and_future():
    found, _ = _lookups(dateNotification=["2024-03-12", "12/03/2024", "2024-02-30", "2031-01-15", None,
                                          "2024-03-12T10:00:00"])
    assert _column(found, "date", "date_notif") == [date(2024, 3, 12), date(2024, 3, 12), None, date(2031, 1, 15),
                                                   None, date(2024, 3, 12)]
    assert _column(found, "date", "illisible") == [False, False, True, False, True, False]
    assert _column(found, "date", "future") == [False, False, False, True, False, False]
    assert _column(found, "date", "annee") == [2024, 2024, None, 2031, None, 2024]


def test_social_considerations_official_labels_and_unknown_ones():
    found, _ = _lookups(considerationsSociales=["Clause sociale, critère social", "Sans objet", "Marché réservé",
                                                "Clause sociale|Insertion", "Autre chose", None])
    assert _column(found, "social", "consideration_sociale") == ["oui", "non", "oui", "oui", "inconnue", "inconnue"]
    assert _column(found, "social", "clause_sociale") == [True, False, False, True, None, None]
    assert _column(found, "social", "critere_social") == [True, False, False, False, None, None]
    assert _column(found, "social", "marche_reserve") == [False, False, True, False, None, None]
    assert _column(found, "social", "social_bad") == [False, False, False, True, True, False]
    assert _column(found, "social", "inconnues") == [[], [], [], ["Insertion"], ["Autre chose"], None]
    assert _column(found, "social", "considerationsSociales")[0] == "Clause sociale|critère social"


def test_holder_siret_separators_typing_and_key():
    found, _ = _lookups(titulaire_id=["732 829 320 00074", "73282932000075", "FR12345678901", "123", None],
                        titulaire_typeIdentifiant=["SIRET", None, "TVA", "SIRET", "SIRET"])
    assert _column(found, "holder", "titulaire_id") == ["73282932000074", "73282932000075", "FR12345678901", "123",
                                                        None]
    is_siret, reason, valid = found["siret"]
    code = found["holder"][0]
    # checked: typed SIRET, or untyped with 14 characters; a TVA number is not checked
    assert [bool(is_siret[c]) for c in code] == [True, True, False, True, False]
    assert [valid[int(c)].as_py() for c in code] == [True, False, None, False, None]
    assert reason[int(code[1])].as_py() == "SIRET invalide : clé de contrôle (Luhn) fausse"
    assert reason[int(code[3])].as_py() == "SIRET invalide : 14 chiffres attendus"


def test_buyer_duration_place_and_type():
    found, _ = _lookups(acheteur_id=["217 500 016 00019", "21750001600019"], dureeMois=["12", "12,5"],
                        lieuExecution_code=["75", "97411"], lieuExecution_typeCode=["Code département", "Code commune"],
                        _type=["Marché", "Contrat de concession"])
    assert _column(found, "buyer", "acheteur_id") == ["21750001600019", "21750001600019"]
    assert _column(found, "duration", "dureeMois") == [12, None]
    assert _column(found, "duration", "duree_bad") == [False, True]
    assert _column(found, "place", "departement") == ["75", "974"]
    assert _column(found, "type", "concession") == [False, True]


def test_numbers_in_the_french_and_the_international_forms():
    values, bad = rules.parse_numbers(pd.Series(["1 234,56 €", "1.234,56", "1,234.56", "12 000", "2,5", "abc", None],
                                                dtype="string"))
    assert values.tolist()[:5] == [1234.56, 1234.56, 1234.56, 12000.0, 2.5]
    assert pd.isna(values.iloc[5]) and pd.isna(values.iloc[6])
    assert bad.tolist() == [False, False, False, False, False, True, False]


def test_amounts_counted_in_the_totals_are_within_the_bounds():
    values = np.array([0.0, 0.5, 1.0, 3e9, 3.1e9, np.nan, 100.0])
    readable = np.array([True, True, True, True, True, False, False])
    assert rules.amount_in_totals(values, readable).tolist() == [False, False, True, True, False, False, False]


@pytest.mark.parametrize("text, expected", [(" NC ", None), ("n/a", None), ("\u00a0Procédure\u202f", "Procédure"),
                                            ("—", None), ("Nantes", "Nantes"), ("", None)])
def test_trimming_and_missing_value_tokens(text, expected):
    assert rules.clean_text(pa.chunked_array([[text]])).to_pylist() == [expected]
