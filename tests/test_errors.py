"""errors: the error types for the user, the rejection report of the loaders, the French line lists."""

import pandas as pd
import pytest

from diversification.inputs import errors
from diversification.inputs.errors import (ACTION_DUPLICATE_REMOVED, ACTION_ROW_REJECTED, ACTION_VALUE_FLAGGED, ConfigError,
                                    InputError, KitError, RejectionLog, describe_lines, shorten)


def test_user_errors_are_kit_errors():
    assert issubclass(InputError, KitError) and issubclass(ConfigError, KitError)
    assert not issubclass(KitError, (ValueError, OSError))  # caught by the CLI as a user mistake only
    with pytest.raises(KitError, match="« a.csv »"):
        raise InputError("Le fichier « a.csv » est vide.")


def test_rejection_log_records_file_name_line_column_and_action(tmp_path):
    log = RejectionLog("suivi_clauses")
    log.add(tmp_path / "sous" / "suivi.csv", 7, "heures_realisees", "-3", "valeur inférieure au minimum admis (0)")
    log.add("suivi.csv", 9.0, None, None, "SIRET invalide", ACTION_VALUE_FLAGGED)
    log.add("", None, "Nom", "x" * 200, "colonne personnelle", errors.ACTION_COLUMN_DROPPED)
    first, second, third = log.records
    assert first == {"entree": "suivi_clauses", "fichier": "suivi.csv", "ligne": 7, "colonne": "heures_realisees",
                     "valeur": "-3", "motif": "valeur inférieure au minimum admis (0)", "action": "ligne rejetée"}
    assert second["ligne"] == 9 and isinstance(second["ligne"], int) and second["colonne"] == "" and second["valeur"] == ""
    assert third["fichier"] == "" and third["ligne"] is None and len(third["valeur"]) == 120
    assert log.rejected_lines() == {("suivi.csv", 7)}  # a flagged value keeps its line


def test_rejection_log_frame_and_extend():
    log, other = RejectionLog("decp"), RejectionLog("decp")
    assert log.to_frame().columns.tolist() == errors.REJECT_COLUMNS and log.to_frame().empty
    log.add("a.json", 3, "montant", "abc", "montant illisible")
    other.add("a.json", None, "", "", "fichier illisible", errors.ACTION_FILE_REJECTED)
    log.extend(other)
    frame = log.to_frame()
    assert frame["ligne"].dtype == "Int64"
    assert frame["ligne"].tolist()[0] == 3 and pd.isna(frame["ligne"].tolist()[1])
    assert frame["action"].tolist() == [ACTION_ROW_REJECTED, "fichier rejeté"]
    assert len(other.records) == 1  # extend copies, the other log is unchanged


def test_shorten_cuts_with_an_ellipsis():
    assert shorten("abc") == "abc"
    assert shorten(12345, limit=5) == "12345"
    assert shorten("abcdefgh", limit=5) == "abcd…"
    assert shorten(None) == "None"


@pytest.mark.parametrize("lines, expected", [
    ([], ""),
    ([4], "ligne 4"),
    ([12, 3, 7, 3], "lignes 3, 7 et 12"),
    (list(range(1, 14)), "lignes 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 et 3 autre(s)"),
])
def test_describe_lines_in_french(lines, expected):
    assert describe_lines(lines) == expected


def test_describe_lines_limit():
    assert describe_lines([5, 1, 3], limit=2) == "lignes 1, 3 et 1 autre(s)"
    assert ACTION_DUPLICATE_REMOVED == "doublon retiré"
