"""Screening of planned purchases: thresholds, rules (one fixture row per rule), flags, decision, sourcing."""

import pandas as pd
import pytest

from diversification.decisions import screening as s
from diversification.inputs.referentiels import load_referentiel

DEFAULTS = {"travaux": 150000.0, "services": 40000.0, "fournitures": 90000.0}


# --- thresholds -----------------------------------------------------------------------------

@pytest.mark.parametrize("buyer, territory, expected", [
    ({"seuils": {"travaux": 90000}}, {"travaux": 120000}, (90000.0, s.ORIGIN_BUYER)),
    ({"seuils": {"services": 10}}, {"travaux": 120000}, (120000.0, s.ORIGIN_TERRITORY)),
    ({}, None, (150000.0, s.ORIGIN_DEFAULT)),
    (None, {}, (150000.0, s.ORIGIN_DEFAULT)),
])
def test_threshold_buyer_then_territory_then_default(buyer, territory, expected):
    assert s.resolve_threshold("travaux", buyer, territory, DEFAULTS) == expected


def test_default_thresholds_come_from_seuils_csv():
    assert s.default_thresholds() == DEFAULTS


def test_thresholds_table_one_row_per_buyer_and_nature():
    config = {"acheteurs": [{"siret": "1", "nom": "A", "seuils": {"services": 5000}}], "seuils": {"fournitures": 7}}
    table = s.thresholds_table(config, DEFAULTS)
    assert table["seuil_ht"].tolist() == [150000.0, 5000.0, 7.0]
    assert table["origine_seuil"].tolist() == [s.ORIGIN_DEFAULT, s.ORIGIN_BUYER, s.ORIGIN_TERRITORY]


# --- rules: every row of regles_recommandation.csv from a purchase fixture -----------------------

BASE = {"sous_seuil": False, "groupe_segment": "construction", "nb_siae": 0, "nb_ea_esat": 0, "nb_toutes": 0,
        "dependance_siae": None, "dependance_ea_esat": None, "dependance_toutes": None, "duree_mois": 12,
        "montant_examine_ht": 200000.0, "allotissement": 1, "seuil_ht": 90000.0, "nature": "travaux",
        "origine_seuil": s.ORIGIN_BUYER}

CASES = [  # (expected rule, changes to BASE)
    ("R01", {"sous_seuil": True, "nb_siae": 9, "nb_toutes": 9, "dependance_siae": 0.01}),
    ("R02", {"nb_siae": 5, "nb_toutes": 5, "dependance_siae": 0.2}),
    ("R03", {"nb_ea_esat": 6, "nb_toutes": 6, "dependance_ea_esat": 0.1}),
    ("R04", {"nb_siae": 5, "nb_toutes": 5, "dependance_siae": 0.25, "allotissement": 2}),  # dependency 25 % > 20 %
    ("R05", {"nb_ea_esat": 2, "nb_toutes": 2, "allotissement": 3}),
    ("R06", {"nb_toutes": 1, "montant_examine_ht": 1_000_000.0, "duree_mois": 12}),
    ("R07", {"nb_toutes": 1, "montant_examine_ht": 1_000_000.0, "duree_mois": 11}),  # too short for R06
    ("R08", {"groupe_segment": "diversification"}),
    ("R09", {}),
]


@pytest.mark.parametrize("expected, changes", CASES)
def test_every_rule_is_reached(expected, changes):
    result = s.recommend({**BASE, **changes}, s.load_rules())
    assert result["regle_id"] == expected


def test_fixture_covers_every_rule_of_the_table():
    assert sorted(r for r, _ in CASES) == sorted(load_referentiel("regles_recommandation")["regle_id"])


def test_recommendations_and_reasons():
    rules = s.load_rules()
    low = s.recommend({**BASE, "sous_seuil": True, "montant_examine_ht": 68200.0}, rules)
    assert low["recommandation"] == "non retenu"
    assert "68\u202f200 € HT" in low["motif"] and "90\u202f000 € HT" in low["motif"] and s.ORIGIN_BUYER in low["motif"]
    assert s.recommend({**BASE, "nb_siae": 5, "nb_toutes": 5, "dependance_siae": 0.2}, rules)["recommandation"] == \
        "marché réservé SIAE (art. L2113-13)"
    assert s.recommend({**BASE, "nb_ea_esat": 6, "nb_toutes": 6, "dependance_ea_esat": 0.1}, rules)[
        "recommandation"] == "marché réservé EA/ESAT (art. L2113-12)"
    assert "critère social d'attribution (art. R2152-7)" in s.recommend(
        {**BASE, "nb_toutes": 1, "montant_examine_ht": 1e6}, rules)["recommandation"]
    assert "sourcing" in s.recommend(BASE, rules)["motif"]


def test_unknown_dependency_never_matches_a_maximum():
    # 5 SIAE but unknown capacity: R02 (needs dependency ≤ 20 %) does not apply; not allotted → clause (R07)
    assert s.recommend({**BASE, "nb_siae": 5, "nb_toutes": 5}, s.load_rules())["regle_id"] == "R07"


def test_first_matching_rule_wins_by_order_and_no_match_is_not_retained():
    rules = s.load_rules().iloc[::-1].reset_index(drop=True)
    rules = s.load_rules(rules.assign(ordre=rules["ordre"].astype(str)).astype(str).replace("nan", ""))
    assert rules["regle_id"].iloc[0] == "R01"
    assert s.recommend({**BASE, "sous_seuil": None}, rules.iloc[:1])["recommandation"] == "non retenu"
    assert s.recommend({**BASE, "sous_seuil": None}, rules.iloc[:1])["regle_id"] == ""


# --- flags --------------------------------------------------------------------------------

FLAG_BASE = {"duree_mois": 12, "allotissement": 1, "montant_examine_ht": 100000.0, "nature": "services",
             "forme": "marché ordinaire", "montant_min_ht": None, "montant_max_ht": None,
             "execution_a_distance": False, "premiere_fois": False}


@pytest.mark.parametrize("changes, flag, expected", [
    ({"duree_mois": 1}, "duree_courte", True),
    ({"duree_mois": 2}, "duree_courte", False),
    ({"allotissement": 4}, "groupement_probable", True),
    ({"allotissement": 3}, "groupement_probable", False),
    ({"nature": "travaux", "montant_examine_ht": 1e6, "allotissement": 2}, "groupement_probable", True),
    ({"nature": "travaux", "montant_examine_ht": 1e6, "allotissement": 1}, "groupement_probable", False),
    ({"forme": "accord-cadre à bons de commande"}, "volumes_incertains", True),
    ({"montant_min_ht": 10.0, "montant_max_ht": 30.0}, "volumes_incertains", True),
    ({"montant_min_ht": 30.0, "montant_max_ht": 30.0}, "volumes_incertains", False),
    ({"execution_a_distance": True}, "execution_a_distance", True),
    ({"premiere_fois": True}, "premiere_fois", True),
    ({"premiere_fois": None}, "premiere_fois", None),
])
def test_flags(changes, flag, expected):
    assert s.flags_of({**FLAG_BASE, **changes})[flag] is expected


def test_flags_text():
    assert s.flags_text({"duree_courte": True, "premiere_fois": True}) == (
        "durée inférieure à 2 mois ; première clause de l'acheteur sur ce segment")
    assert s.flags_text({"duree_courte": False}) == "aucun"


# --- whole screening on a small fixture ------------------------------------------------------------

CONFIG = {"acheteurs": [{"siret": "11111111111111", "nom": "Ville A", "type": "collectivite",
                         "seuils": {"services": 50000}},
                        {"siret": "22222222222222", "nom": "État B", "type": "etat"}],
          "seuils": {"travaux": 100000}, "departements": ["99"]}
ACHATS = pd.DataFrame({
    "id_achat": ["A1", "A2", "B1"],
    "acheteur_siret": ["11111111111111", "11111111111111", "22222222222222"],
    "objet": ["Nettoyage", "Nettoyage petit", "Voirie"],
    "code_cpv": ["90910000", "90910000", "45233000"],
    "nature": ["services", "services", "travaux"],
    "montant_estime_ht": [120000.0, 45000.0, 90000.0],
    "montant_min_ht": [None, None, None], "montant_max_ht": [None, None, None],
    "duree_mois": [12, 1, 6], "forme": ["marché ordinaire"] * 3, "allotissement": [1, 1, 1],
})
STRUCTURES = pd.DataFrame({
    "siret": ["1", "2", "3"], "nom": ["EI Propre", "ESAT Net", "ACI Loin"], "type": ["EI", "ESAT", "ACI"],
    "secteurs": ["Nettoyage", "Nettoyage", "Nettoyage"], "commune": ["X", "Y", "Z"],
    "departement": ["99", "99", "75"], "capacite_etp": [10.0, 20.0, 5.0],
})
SUIVI = pd.DataFrame({"acheteur_siret": ["11111111111111"], "segment": ["nettoyage_locaux"]})


@pytest.fixture(scope="module")
def screened():
    return s.screen_purchases(ACHATS, CONFIG, structures=STRUCTURES, suivi=SUIVI, hourly_cost=35.0)


def test_screening_thresholds_and_recommendations(screened):
    assert screened["id_achat"].tolist() == ["A1", "A2", "B1"]
    # A1: services 120 000 ≥ buyer threshold 50 000; B1: travaux 90 000 < territory threshold 100 000
    assert screened["seuil_ht"].tolist() == [50000.0, 50000.0, 100000.0]
    assert screened["sous_seuil"].tolist() == [False, True, True]
    # local structures of nettoyage_locaux: EI (SIAE) and ESAT in 99; the ACI in 75 is not local
    a1 = screened.iloc[0]
    assert (a1["nb_siae"], a1["nb_ea_esat"], a1["nb_toutes"]) == (1, 1, 2)
    assert screened["regle_id"].tolist() == ["R07", "R01", "R01"]


def test_screening_hours_and_dependency(screened):
    # nettoyage_locaux labour share = middle of its segments.csv range
    seg = load_referentiel("segments").set_index("segment_id").loc["nettoyage_locaux"]
    share = (float(seg["part_main_oeuvre_min"]) + float(seg["part_main_oeuvre_max"])) / 2
    hours = 120000 / 12 * 12 * share / 35  # 12 months: yearly amount = 120 000
    assert screened.loc[0, "heures_travail_annuelles"] == pytest.approx(round(hours, 1))
    # SIAE capacity 10 ETP × 1 607 h; all local structures 30 ETP
    assert screened.loc[0, "dependance_siae"] == pytest.approx(round(hours / (10 * 1607), 4))
    assert screened.loc[0, "dependance_toutes"] == pytest.approx(round(hours / (30 * 1607), 4))


def test_screening_flags(screened):
    assert screened["duree_courte"].tolist() == [False, True, False]
    # A1, A2: buyer 1 already had a cleaning clause; B1: no clause of buyer 2 in the follow-up
    assert screened["premiere_fois"].tolist() == [False, False, True]
    assert screened.loc[0, "signalements"] == "aucun"


def test_territory_parameters_reach_the_screening():
    """``parametres`` of territoire.yaml: hourly cost, short duration, FTE hours and consortium lots."""
    config = {**CONFIG, "parametres": {"cout_horaire_moyen": 40, "duree_minimale_mois": 7,
                                       "heures_annuelles_etp": 1500, "lots_groupement": 0}}
    table = s.screen_purchases(ACHATS, config, structures=STRUCTURES, suivi=SUIVI)
    seg = load_referentiel("segments").set_index("segment_id").loc["nettoyage_locaux"]
    share = (float(seg["part_main_oeuvre_min"]) + float(seg["part_main_oeuvre_max"])) / 2
    hours = 120000 * share / 40
    assert table.loc[0, "heures_travail_annuelles"] == pytest.approx(round(hours, 1))
    assert table.loc[0, "dependance_siae"] == pytest.approx(round(hours / (10 * 1500), 4))
    assert table["duree_courte"].tolist() == [False, True, True]  # 12, 1 and 6 months against 7
    assert table["groupement_probable"].all()  # one lot > 0
    assert table.loc[2, "signalements"].startswith("durée inférieure à 7 mois ; groupement")
    counts = s.flag_counts(table).set_index("signalement")["nb_achats"]  # labels with the thresholds used
    assert counts["durée inférieure à 7 mois"] == 0  # A2 and B1 are short but below their threshold
    assert "durée inférieure à 2 mois" not in counts.index and counts["groupement d'entreprises probable"] == 1
    # the reference values without overrides
    assert s.screen_purchases(ACHATS, CONFIG, structures=STRUCTURES, suivi=SUIVI).equals(
        s.screen_purchases(ACHATS, CONFIG, structures=STRUCTURES, suivi=SUIVI, hourly_cost=35.0))


def test_unknown_follow_up_leaves_first_time_missing():
    table = s.screen_purchases(ACHATS, CONFIG, structures=STRUCTURES, suivi=None, hourly_cost=35.0)
    assert table["premiere_fois"].isna().all()


def test_target_contracts_decision(screened):
    decision = s.target_contracts(screened)
    assert decision.columns.tolist() == s.TARGET_COLUMNS
    assert decision["retenu"].tolist() == [True, False, False]
    assert decision["clause_insertion"].tolist() == [True, False, False]
    assert not decision["marche_reserve"].any()


def test_sourcing_panel_local_first(screened):
    panel = s.sourcing_panel(screened, STRUCTURES, None, ["99"])
    assert panel["id_achat"].unique().tolist() == ["A1"]
    assert panel["nom"].tolist() == ["EI Propre", "ESAT Net", "ACI Loin"]
    assert panel["local"].tolist() == [True, True, False]


def test_key_figures_and_counts(screened):
    text = s.key_figures(screened, s.target_contracts(screened))
    assert text.splitlines()[0] == "Achats prévus examinés : 3 ; sous le seuil : 2"
    counts = s.recommendation_counts(screened)
    assert counts["nb_achats"].tolist() == [2, 1]
    flags = s.flag_counts(screened).set_index("signalement")["nb_achats"]
    assert flags[s.flag_labels()["duree_courte"]] == 0  # A2 is short but below threshold


def test_euros_format():
    assert s.euros(1234567.4) == "1\u202f234\u202f567"
    assert s.euros(None) == "montant inconnu"
