"""The publishing gate: declared tables only, the disclosure rule applied, every file of a run recorded."""

import json

import pandas as pd
import pytest

from diversification.publish import gate


def test_an_undeclared_table_is_refused(tmp_path):
    with pytest.raises(gate.PublicationRefused, match="« table_inconnue » n'est pas déclarée"):
        gate.publish_table(tmp_path, "table_inconnue", pd.DataFrame({"libelle": ["a"]}), threshold=5)
    assert not (tmp_path / "tables").exists()


def test_a_table_with_an_undeclared_count_column_is_refused(tmp_path):
    table = pd.DataFrame({"libelle": ["BTP"], "participants": [12], "heures_prevues": [100.0],
                          "heures_realisees": [90.0], "part_heures": [1.0], "taux_realisation": [0.9],
                          "femmes": [7]})
    with pytest.raises(gate.PublicationRefused, match=r"colonnes numériques non déclarées \(femmes\)"):
        gate.publish_table(tmp_path, "etat_des_lieux_heures_segment", table, threshold=5)
    assert gate.ledger(tmp_path) == {}


def test_a_small_count_left_visible_is_hidden_with_secondary_suppression(tmp_path):
    # 3 < 5 is hidden; the column total (21) is published, so the next smallest count (8) is hidden too,
    # and so are the shares and hours of those two rows.
    table = pd.DataFrame({"libelle": ["BTP", "Nettoyage", "Restauration"], "participants": [10, 3, 8],
                          "heures_prevues": [500.0, 60.0, 300.0], "heures_realisees": [400.0, 50.0, 250.0],
                          "part_heures": [0.5, 0.0625, 0.3125], "taux_realisation": [0.8, 0.833, 0.833]})
    path = gate.publish_table(tmp_path, "etat_des_lieux_heures_segment", table, threshold=5)
    written = pd.read_parquet(path)
    assert written["participants"].tolist()[0] == 10
    assert written["participants"].isna().tolist() == [False, True, True]
    assert written["heures_realisees"].isna().tolist() == [False, True, True]
    assert written["part_heures"].tolist()[0] == 0.5
    assert written["libelle"].tolist() == ["BTP", "Nettoyage", "Restauration"]


def test_a_protected_table_passes_unchanged(tmp_path):
    table = pd.DataFrame({"libelle": ["BTP", "Nettoyage"], "participants": pd.array([10, pd.NA], dtype="Int64"),
                          "heures_prevues": [500.0, None], "heures_realisees": [400.0, None],
                          "part_heures": [0.8, None], "taux_realisation": [0.8, None]})
    written = pd.read_parquet(gate.publish_table(tmp_path, "etat_des_lieux_heures_segment", table, threshold=5))
    pd.testing.assert_frame_equal(written, table, check_dtype=False)


def test_private_rows_only_under_prive(tmp_path):
    with pytest.raises(gate.PublicationRefused, match="ne s'écrivent que dans prive/"):
        gate.write_text(tmp_path, "donnees/suivi.csv", "x", kind="rejets", private=True)
    with pytest.raises(gate.PublicationRefused):
        gate.write_text(tmp_path, "prive/rejets.csv", "x", kind="rejets")
    gate.write_text(tmp_path, "prive/rejets.csv", "x", kind="rejets", private=True)
    assert list(gate.ledger(tmp_path)) == ["prive/rejets.csv"]


def test_the_ledger_accounts_for_every_file_and_sees_a_file_written_behind_the_gate(tmp_path):
    gate.write_text(tmp_path, "rapport/rapport.html", "<p>un</p>", kind="rapport")
    gate.write_bytes(tmp_path, "graphiques/phase-01-1.png", b"png", kind="graphique")
    assert gate.unrecorded_files(tmp_path) == []
    (tmp_path / "rapport" / "rapport.html").write_text("<p>changé</p>", encoding="utf-8")
    (tmp_path / "rapport" / "autre.html").write_text("<p>hors porte</p>", encoding="utf-8")
    assert gate.unrecorded_files(tmp_path) == ["rapport/autre.html", "rapport/rapport.html"]
    lines = [json.loads(x) for x in (tmp_path / gate.LEDGER_NAME).read_text(encoding="utf-8").splitlines()]
    assert [x["fichier"] for x in lines] == ["rapport/rapport.html", "graphiques/phase-01-1.png"]
    assert lines[0]["nature"] == "rapport" and len(lines[0]["sha256"]) == 64


def test_a_path_outside_the_run_is_refused(tmp_path):
    with pytest.raises(Exception):
        gate.write_text(tmp_path / "run", "../evasion.html", "x", kind="rapport")
    assert not (tmp_path / "evasion.html").exists()


@pytest.mark.e2e
@pytest.mark.parametrize("territoire", ["metropole-exemple", "rural-exemple", "exports-bruts"])
def test_every_file_of_a_finished_run_was_written_by_the_gate(sample_runs, territoire):
    run = sample_runs[territoire]
    recorded = gate.ledger(run)
    assert len(recorded) > 20
    assert gate.unrecorded_files(run) == []
    kinds = {json.loads(x)["nature"] for x in (run / gate.LEDGER_NAME).read_text(encoding="utf-8").splitlines()}
    assert {"table", "manifeste", "notebook exécuté", "rapport", "entrée contrôlée"} <= kinds


def test_every_declared_table_is_described_in_the_catalogue():
    for name, spec in gate.catalogue().items():
        assert spec.description, name
        assert not set(spec.counts) & set(spec.values), name
