"""Issue 19.3: the « Retenir » buttons of notebooks 04 and 08 pin a hand choice in territoire.yaml, which the next
phases, the next study and the report use (without a browser: direct calls of the widgets' actions)."""

import shutil

import pandas as pd
import pytest

from diversification.decisions import registry, scoring
from diversification.indicators import calculator, hours
from diversification.inputs import hand_choices
from diversification.inputs.config import load_config
from diversification.inputs.errors import ConfigError
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.publish import report, widgets
from diversification.run import runner

from test_calculator import _targets
from test_widgets import raw_fixture

TEXT = """# mon territoire (commentaire gardé)
nom: "T"
identifiant: "t"
annee: 2025
poids_criteres: {volume_achats: 3}
"""


def _territory(tmp_path, text=TEXT):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "territoire.yaml").write_text(text, encoding="utf-8")
    return load_config(folder)


def _only(criterion):
    return {c: (1.0 if c == criterion else 0.0) for c in scoring.load_criteria()["critere_id"]}


def test_retain_weights_writes_a_dated_commented_pin_and_keeps_the_rest_of_the_file(tmp_path):
    config = _territory(tmp_path)
    raw = raw_fixture()
    panel = widgets.weight_panel(raw, scoring.configured_weights(config), top_n=2, seed=11, config=config)
    assert panel.retainer.button.description == "Retenir ces pondérations"
    for criterion, slider in panel.sliders.items():  # what a user does: move the sliders, type, click
        slider.value = _only("offre_inclusive")[criterion]
    panel.retainer.comment.value = "comité du 7 décembre"
    panel.retain(date="2026-12-07")
    text = config.path.read_text(encoding="utf-8")
    assert text.startswith(TEXT)  # the file as written is kept, comment included
    again = load_config(config.path.parent)
    choice = hand_choices.weights_choice(again)
    assert (choice.date, choice.commentaire) == ("2026-12-07", "comité du 7 décembre")
    assert choice.valeurs == _only("offre_inclusive")
    # the hand choice wins over poids_criteres (volume_achats: 3 → 0)
    assert scoring.configured_weights(again).to_dict() == _only("offre_inclusive")
    assert "Pondérations retenu(e)s le 2026-12-07 dans territoire.yaml" in panel.retainer.status.value
    table = scoring.weights_table(scoring.configured_weights(again), overrides=scoring.weight_overrides(again),
                                  hand=choice).set_index("critere_id")
    assert table.at["offre_inclusive", "origine du poids"] == "choisi à la main le 2026-12-07 (comité du 7 décembre)"
    # a second click replaces the block, it does not add one
    panel.sliders["offre_inclusive"].value = 2.0
    panel.retain(comment="", date="2026-12-08")
    text = config.path.read_text(encoding="utf-8")
    assert text.count(hand_choices.BEGIN) == 1 and text.startswith(TEXT)
    assert hand_choices.weights_choice(load_config(config.path.parent)).valeurs["offre_inclusive"] == 2.0


def test_a_hand_key_written_outside_the_block_is_refused_in_french(tmp_path):
    config = _territory(tmp_path, TEXT + "choix_a_la_main: {}\n")
    panel = widgets.weight_panel(raw_fixture(), scoring.configured_weights(config), top_n=2, config=config)
    with pytest.raises(ConfigError, match="hors du bloc réservé"):
        panel.retain(date="2026-12-07")
    assert panel.retainer.status.value.startswith("<p><b>Non retenu</b>")
    with pytest.raises(ConfigError, match="choix_a_la_main.poids_criteres.valeurs"):
        hand_choices.check({"poids_criteres": {"date": "x", "valeurs": {}}})


def test_retain_volume_pins_the_changed_inputs_and_the_batch_uses_them(tmp_path):
    config = _territory(tmp_path)
    targets = _targets()
    calc = calculator.calculator(calculator.first_target(targets))
    box = widgets.calculator_retainer(calc, config, "PA-1")
    assert calc.retainer.button.description == "Retenir ce volume" and calc.retainer.widget in box.children
    calc.controls["etp"].value = 2.0
    calc.retainer.comment.value = "ETP connus après le sourcing"
    calc.retainer.retain(date="2026-12-07")
    again = load_config(config.path.parent)
    choices = hand_choices.volume_choices(again)
    assert choices["PA-1"].valeurs == {"etp": 2.0}
    volumes = hours.insertion_volumes(targets, choices=choices).set_index("id_achat")
    # 2 FTE × 36 months × 151.67 h × 0.1 (share of a recruit) = 1 092.02 → 1 092 h
    assert volumes.at["PA-1", "heures_moyens_humains"] == 1092
    assert pd.isna(hours.insertion_volumes(targets).set_index("id_achat").at["PA-1", "heures_moyens_humains"])
    assert volumes.at["PA-1", "regle_recommandation"].endswith(
        "(entrées choisi à la main le 2026-12-07 (ETP connus après le sourcing))")
    assert pd.isna(volumes.at["PA-2", "heures_moyens_humains"])  # the other contract is untouched
    # the calculator of the next run starts from the pinned inputs: its result is the row of the table
    again_calc = calculator.calculator(calculator.first_target(targets), choices=choices)
    assert again_calc.result["heures_moyens_humains"] == 1092 and again_calc.changed_inputs() == {"etp": 2.0}
    # nothing changed: nothing to retain
    fresh = calculator.calculator(calculator.first_target(targets))
    widgets.calculator_retainer(fresh, again, "PA-2")
    with pytest.raises(Exception, match="rien à retenir"):
        fresh.retainer.retain(date="2026-12-07")


def test_the_next_study_uses_the_retained_weights_and_the_report_says_so(tmp_path):
    territory = tmp_path / "metropole-exemple"
    shutil.copytree(TERRITOIRES_DIR / "metropole-exemple", territory)
    config = load_config(territory)
    chosen = _only("offre_inclusive")
    retainer = widgets.Retainer(config, hand_choices.WEIGHTS, "Retenir ces pondérations", lambda: chosen)
    retainer.retain(comment="essai", date="2026-12-07")
    result = runner.run_study(territory, reports_dir=tmp_path / "rapports", phases=["04_secteurs_prioritaires"],
                              noyaux=1)
    tables = report.tables_from_run(result.run_dir)
    decision = tables["decision_segments_prioritaires"].set_index("segment_id")
    # ranked by the inclusive offer only: the decision's score is that criterion, normalised
    pd.testing.assert_series_equal(decision["score"], decision["critere_offre_inclusive"], check_names=False,
                                   check_dtype=False)
    assert decision["rang"].min() == 1 and decision.loc[decision["rang"] == 1].index[0] == "restauration"
    hand = tables["choix_a_la_main_04"].set_index("element")
    assert hand.at["offre_inclusive", "valeur"] == 1.0 and hand.at["volume_achats", "valeur"] == 0.0
    assert set(hand["date"]) == {"2026-12-07"} and set(hand["origine"]) == {"choisi à la main"}
    note = report.hand_choice_note("04", tables["choix_a_la_main_04"])
    assert note.startswith("Poids des critères choisis à la main dans JupyterLab le 2026-12-07 (essai)")
    assert "offre_inclusive = 1,0" in note
