"""Insertion-hour formulas (hand-computed values)."""
import pandas as pd
import pytest

from diversification.decisions import registry
from diversification.indicators import hours
from diversification.indicators.hours import ContractInputs, HourParameters

P = HourParameters(cout_horaire=35.0, taux_insertion=0.05, heures_minimum=70.0, duree_courte_mois=6.0,
                   duree_minimale_mois=2.0, heures_mensuelles=151.67, heures_hebdomadaires=35.0,
                   part_minimum_accord_cadre=0.3, part_travail_recrue=0.1, semaines_conges_ete=4.0,
                   part_remplacable=0.5, seuil_groupement_ht=1_000_000.0)


@pytest.mark.parametrize("amount, share, rate, cost, expected", [
    (1_000_000, 0.5, 0.05, 30, 833),      # 1e6 × 0.5 × 0.05 / 30 = 833.33 → 833 (rounded down)
    (1_000_000, 0.5, 0.05, 35, 714),      # 25 000 / 35 = 714.29 → 714
    (420_000, 0.5, 0.05, 30, 350),        # 10 500 / 30 = 350 exactly (no 349 from floating point)
    (70_000, 0.7, 0.1, 35, 140),          # 4 900 / 35 = 140 exactly
    (0, 0.5, 0.05, 30, 0),
])
def test_classic_hours(amount, share, rate, cost, expected):
    assert hours.classic_hours(amount, share, rate, cost) == expected


def test_classic_hours_rejects_bad_inputs():
    with pytest.raises(ValueError):
        hours.classic_hours(1000, 0.5, 0.05, 0)
    with pytest.raises(ValueError):
        hours.classic_hours(-1000, 0.5, 0.05, 30)


@pytest.mark.parametrize("fte, months, share, expected", [
    (2, 12, 0.1, 364),    # 2 × 12 × 151.67 × 0.1 = 364.008 → 364
    (1, 6, 0.5, 455),     # 6 × 151.67 × 0.5 = 455.01 → 455
    (3, 1, 1.0, 455),     # 3 × 151.67 = 455.01 → 455
])
def test_human_means_hours(fte, months, share, expected):
    assert hours.human_means_hours(fte, months, share) == expected


@pytest.mark.parametrize("weeks, fte, share, expected", [
    (4, 2, 0.5, 140),     # 4 × 2 × 35 × 0.5 = 140
    (3, 1, 0.5, 52),      # 3 × 35 × 0.5 = 52.5 → 52
    (6, 3, 1.0, 630),
])
def test_summer_replacement_hours(weeks, fte, share, expected):
    assert hours.summer_replacement_hours(weeks, fte, share) == expected


def test_secure_amount():
    assert hours.secure_amount(454_800, 136_000, "accord-cadre à marchés subséquents")[0] == 136_000
    amount, note = hours.secure_amount(100_000, None, "accord-cadre à bons de commande", 0.3)
    assert amount == 30_000 and "30\u202f%" in note
    assert hours.secure_amount(100_000, 50_000, "marché ordinaire") == (100_000, "")


def _inputs(**kw):
    base = dict(montant_ht=1_000_000.0, part_main_oeuvre_min=0.4, part_main_oeuvre_max=0.6, duree_mois=24.0)
    base.update(kw)
    return ContractInputs(**base)


def test_estimate_ordinary_contract():
    r = hours.estimate_contract(_inputs(montant_ht=420_000.0), P)
    # low: 420 000 × 0.4 × 0.05 / 35 = 240 ; central: × 0.5 → 300 ; high: × 0.6 → 360
    assert (r["heures_basse"], r["heures_centrale"], r["heures_haute"]) == (240, 300, 360)
    assert r["heures_recommandees"] == 240 and r["alertes"] == ""
    assert r["heures_classique"] == 300


def test_estimate_framework_guaranteed_minimum():
    r = hours.estimate_contract(_inputs(montant_ht=420_000.0, montant_min_ht=140_000.0, montant_max_ht=700_000.0,
                                        forme="accord-cadre à bons de commande"), P)
    # low: minimum only, 140 000 × 0.4 × 0.05 / 35 = 80 ; central 300 ; high: max 700 000 × 0.6 × 0.05 / 35 = 600
    assert (r["heures_basse"], r["heures_centrale"], r["heures_haute"]) == (80, 300, 600)
    assert r["heures_recommandees"] == 80
    assert r["montant_retenu_bas_ht"] == 140_000


def test_estimate_framework_without_minimum_warns():
    r = hours.estimate_contract(_inputs(montant_ht=420_000.0, forme="accord-cadre à bons de commande"), P)
    # minimum estimated at 30 %: 126 000 × 0.4 × 0.05 / 35 = 72
    assert r["heures_basse"] == 72
    assert "sans minimum connu" in r["alertes"]


def test_estimate_adapted_bases():
    r = hours.estimate_contract(_inputs(montant_ht=420_000.0, etp=2.0, duree_mois=12.0, part_travail_recrue=0.1,
                                        etp_remplaces_ete=2.0, semaines_conges_ete=4.0, part_remplacable=0.5), P)
    # human means 364, summer 140, classic low 240 / high 360 → low = 140, high = 364, central 300
    assert r["heures_moyens_humains"] == 364 and r["heures_remplacements_ete"] == 140
    assert (r["heures_basse"], r["heures_centrale"], r["heures_haute"]) == (140, 300, 364)
    assert r["heures_recommandees"] == 140


def test_recommendation_raised_to_minimum():
    r = hours.estimate_contract(_inputs(montant_ht=100_000.0), P)
    # low 100 000 × 0.4 × 0.05 / 35 = 57.1 → 57 < 70 ; central 71.4 → 71 ≥ 70 → 70 recommended
    assert (r["heures_basse"], r["heures_centrale"]) == (57, 71)
    assert r["heures_recommandees"] == 70
    assert "relevé" in r["regle_recommandation"]


def test_too_few_hours_and_short_duration():
    r = hours.estimate_contract(_inputs(montant_ht=50_000.0, duree_mois=1.0), P)
    # central 50 000 × 0.5 × 0.05 / 35 = 35.7 → 35 < 70
    assert r["heures_recommandees"] is None
    assert "trop peu d'heures" in r["alertes"] and "durée trop courte" in r["alertes"]
    short = hours.estimate_contract(_inputs(duree_mois=4.0), P)
    assert "courte durée" in short["alertes"] and "trop courte" not in short["alertes"]


def test_consortium_and_remote_warnings():
    r = hours.estimate_contract(_inputs(montant_ht=1_000_000.0, execution_a_distance=True), P)
    assert "groupement" in r["alertes"] and "lieu d'implantation" in r["alertes"]
    r = hours.estimate_contract(_inputs(montant_ht=200_000.0, groupement=True), P)
    assert "groupement" in r["alertes"]


def test_parameters_from_reference_tables():
    params = hours.load_parameters()
    assert params.cout_horaire == 35.0 and params.taux_insertion == 0.05 and params.heures_minimum == 70.0
    assert params.heures_mensuelles == 151.67 and params.duree_minimale_mois == 2.0


def test_insertion_volumes_batch():
    targets = pd.DataFrame({
        "id_achat": ["A1", "A2"], "objet": ["x", "y"], "segment_id": ["nettoyage_locaux", "restauration"],
        "montant_estime_ht": [420_000.0, 50_000.0], "montant_min_ht": [None, None], "montant_max_ht": [None, None],
        "forme": ["marché ordinaire", "marché ordinaire"], "duree_mois": [24, 12], "acheteur": ["B", "B"],
    })
    table = hours.insertion_volumes(targets, P)
    assert list(table.columns) == hours.VOLUME_COLUMNS
    assert list(table["id_achat"]) == ["A1", "A2"]
    from diversification.inputs.referentiels import load_referentiel
    seg = load_referentiel("segments").set_index("segment_id").loc["nettoyage_locaux"]
    expected = hours.classic_hours(420_000, float(seg["part_main_oeuvre_min"]), 0.05, 35)
    assert table.loc[0, "heures_basse"] == expected
    summary = hours.volumes_summary(table)
    assert int(summary["nb_marches"].sum()) == 2
    assert set(hours.warnings_table(table)["id_achat"]) <= {"A1", "A2"}


def test_parameter_overrides():
    params = hours.load_parameters({"cout_horaire_moyen": 30, "duree_minimale_mois": 3})
    assert params.cout_horaire == 30.0 and params.duree_minimale_mois == 3.0
    from diversification.inputs.errors import ConfigError
    with pytest.raises(ConfigError):
        hours.load_parameters({"cout_horaire": 30})


def test_targets_without_hours_and_their_reason():
    decision = pd.DataFrame({
        "id_achat": ["A", "B", "C", "D", "E"], "objet": list("abcde"),
        "recommandation": ["clause", "réservé", "clause", "clause", "clause"],
        "clause_insertion": [True, False, True, True, True], "retenu": [True, True, True, False, True],
        "segment_id": ["s", "s", None, "s", "s"]})
    planned = pd.DataFrame({"id_achat": ["A", "B", "C", "D"], "segment_id": ["s", "s", None, "s"]})
    without = hours.targets_without_hours(decision, ["A"], planned).set_index("id_achat")["motif"]
    assert without.to_dict() == {"B": hours.NO_CLAUSE_REASON, "C": hours.NO_SEGMENT_REASON,
                                 "E": hours.NOT_PLANNED_REASON}  # D is not retained
    text = hours.targets_gap_text(4, 1, hours.targets_without_hours(decision, ["A"], planned))
    assert text.startswith("4 marché(s) cible(s) retenu(s) en phase 06, 1 avec un volume d'heures calculé ; "
                           "les 3 autres : ")
    assert hours.targets_gap_text(1, 1, without.iloc[:0].to_frame()) == ""


def test_key_figures_and_notebook_08_say_why_57_targets_give_50_volumes(sample_runs):
    """Issue 18.5 on metropole-exemple: 57 targets retained of 72 (30 insertion clauses, 18 + 2 reserved lots with a
    clause for the other lots, 6 reserved EA/ESAT, 1 reserved SIAE); the 7 reserved contracts without an insertion
    clause have no hours to compute, so notebook 08 lists 50 rows. Both say so."""
    from diversification.publish import report
    from diversification.publish.study import open_study
    from diversification.inputs.paths import TERRITOIRES_DIR

    run = sample_runs["metropole-exemple"]
    tables = report.tables_from_run(run)
    assert len(tables["volumes_insertion"]) == 50
    figures = report.key_figures(tables)
    assert figures["Marchés cibles retenus"] == "57 sur 72"
    assert figures[report.TARGETS_WITH_HOURS] == f"50 sur 57 (7 : {hours.NO_CLAUSE_REASON})"
    etude = open_study(TERRITOIRES_DIR / "metropole-exemple", 2025, run)
    table, note = registry.targeted_contracts(etude)
    assert len(table) == 50
    assert ("57 marché(s) cible(s) retenu(s) en phase 06, 50 avec un volume d'heures calculé ; les 7 autres : "
            f"{hours.NO_CLAUSE_REASON} (7).") in note
