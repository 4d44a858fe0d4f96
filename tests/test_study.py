"""study: the context of a phase notebook: inputs from the run folder, published tables, decisions and pins."""

import shutil

import pandas as pd
import pytest

from diversification.inputs.errors import ConfigError
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.publish.study import COMPUTED_ORIGIN, PINNED_ORIGIN, open_study


@pytest.fixture
def territory(tmp_path):
    folder = tmp_path / "rural"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", folder)
    return folder


def _pin(folder, text: str) -> None:
    config = folder / "territoire.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("decisions_epinglees: {}", text), encoding="utf-8")


def _candidates():
    return pd.DataFrame({"segment_id": ["restauration", "espaces_verts", "nettoyage_locaux"],
                         "retenu": [True, True, False]})


def test_open_study_reads_the_configuration(territory, tmp_path):
    etude = open_study(str(territory))
    assert etude.annee == 2025 and etude.run_dir is None and etude.threshold == 5
    assert etude.territoire == territory.resolve() and etude.config.identifiant == "rural-exemple"
    assert open_study(territory, 2023, tmp_path / "run").run_dir == (tmp_path / "run").resolve()


def test_exploration_writes_nothing_and_computes_decisions(territory):
    etude = open_study(territory, 2025)
    assert etude.publish("controle_motifs_rejet", pd.DataFrame({"motif": ["x"], "nombre": [1]})) is None
    decision = etude.decision("segments_prioritaires", _candidates, id_column="segment_id")
    assert decision["retenu"].tolist() == [True, True, False]
    assert (decision["origine"] == COMPUTED_ORIGIN).all()


def test_publish_and_a_decision_read_back_from_the_run_folder(territory, tmp_path):
    run = tmp_path / "run"
    etude = open_study(territory, 2025, run)
    path = etude.publish("controle_motifs_rejet", pd.DataFrame({"motif": ["x", "y"], "nombre": [1, 2]}), csv=True)
    assert path == run / "tables" / "controle_motifs_rejet.parquet"
    assert (run / "tables" / "controle_motifs_rejet.csv").exists()
    assert pd.read_parquet(path)["nombre"].tolist() == [1, 2]
    first = etude.decision("segments_prioritaires", _candidates, id_column="segment_id")
    assert (run / "tables" / "decision_segments_prioritaires.parquet").exists()

    def must_not_run():
        raise AssertionError("a published decision is read, never recomputed")

    again = open_study(territory, 2025, run).decision("segments_prioritaires", must_not_run, id_column="segment_id")
    pd.testing.assert_frame_equal(again, first)


def test_pinned_decision_overrides_the_computation(territory):
    _pin(territory, "decisions_epinglees: {segments_prioritaires: [nettoyage_locaux]}")
    etude = open_study(territory)
    assert etude.pinned("segments_prioritaires") == ["nettoyage_locaux"] and etude.pinned("marches_cibles") is None
    decision = etude.decision("segments_prioritaires", _candidates, id_column="segment_id")
    assert decision["retenu"].tolist() == [False, False, True]
    assert (decision["origine"] == PINNED_ORIGIN).all()


def test_a_single_pinned_value_is_a_list_and_an_unknown_pin_is_refused(territory):
    _pin(territory, "decisions_epinglees: {segments_prioritaires: inconnu}")
    etude = open_study(territory)
    assert etude.pinned("segments_prioritaires") == ["inconnu"]
    with pytest.raises(ConfigError, match=r"decisions_epinglees\.segments_prioritaires : identifiant\(s\) inconnu\(s\) "
                                          r": inconnu \(admis : restauration, espaces_verts, nettoyage_locaux\)"):
        etude.decision("segments_prioritaires", _candidates, id_column="segment_id")


def test_inputs_come_from_the_run_folder_when_written(territory, tmp_path):
    run = tmp_path / "run"
    (run / "donnees").mkdir(parents=True)
    (run / "prive").mkdir()
    pd.DataFrame({"effectif": [3, 4]}).to_parquet(run / "donnees" / "demandeurs_emploi.parquet")
    pd.DataFrame({"heures_realisees": [1.5]}).to_parquet(run / "prive" / "suivi_clauses.parquet")
    etude = open_study(territory, 2025, run)
    assert etude.available("demandeurs_emploi") and etude._data is None  # the territory was not read
    assert etude.table("demandeurs_emploi")["effectif"].tolist() == [3, 4]
    assert etude.table("suivi_clauses")["heures_realisees"].tolist() == [1.5]  # participant rows: prive/
    copy = etude.table("demandeurs_emploi")
    copy.loc[0, "effectif"] = 99
    assert etude.table("demandeurs_emploi")["effectif"].tolist() == [3, 4]  # a copy: phases never modify inputs


def test_unavailable_reason_of_an_absent_input(territory):
    (territory / "structures_inclusives.csv").unlink()
    config = territory / "territoire.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  structures_inclusives: structures_inclusives.csv\n",
                                                                 ""), encoding="utf-8")
    etude = open_study(territory)
    assert not etude.available("structures_inclusives")
    assert etude.unavailable_reason("structures_inclusives") == (
        "l'entrée facultative « Structures inclusives » est absente du dossier du territoire")
    assert etude.available("suivi_clauses") and len(etude.table("suivi_clauses")) > 0
