"""results: what a loader returns, and its counts of accepted and rejected rows."""

import pandas as pd

from diversification.inputs.errors import (ACTION_DUPLICATE_REMOVED, ACTION_EXCLUDED_FROM_TOTALS, ACTION_ROW_REJECTED,
                                    ACTION_VALUE_FLAGGED, RejectionLog)
from diversification.inputs.results import LoadResult


def test_rows_rejected_counts_distinct_rejected_or_duplicate_lines():
    log = RejectionLog("suivi_clauses")
    log.add("a.csv", 3, "heures_realisees", "-1", "négatif", ACTION_ROW_REJECTED)
    log.add("a.csv", 3, "sexe", "X", "hors liste", ACTION_ROW_REJECTED)  # same line, two reasons: one row
    log.add("a.csv", 5, "", "", "doublon", ACTION_DUPLICATE_REMOVED)
    log.add("b.csv", 3, "heures_realisees", "-1", "négatif", ACTION_ROW_REJECTED)  # other file, same line number
    log.add("a.csv", 8, "entreprise_siret", "123", "clé fausse", ACTION_VALUE_FLAGGED)  # kept: not counted
    log.add("a.csv", 9, "montant", "9e12", "aberrant", ACTION_EXCLUDED_FROM_TOTALS)  # kept: not counted
    table = pd.DataFrame({"x": range(6)})
    result = LoadResult("suivi_clauses", table, log, rows_read=9)
    assert result.rows_accepted == 6
    assert result.rows_rejected == 3
    assert result.rows_read == result.rows_accepted + result.rows_rejected


def test_defaults_of_a_load_result():
    result = LoadResult("decp", pd.DataFrame(), RejectionLog("decp"))
    assert result.status == "chargée" and result.files == [] and result.notices == [] and result.rows_read == 0
    assert result.rows_accepted == 0 and result.rows_rejected == 0
    other = LoadResult("decp", pd.DataFrame(), RejectionLog("decp"))
    other.notices.append("encodage Windows-1252 détecté")
    assert result.notices == []  # no list shared between results
