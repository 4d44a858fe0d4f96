"""Representation index, priority publics and segments of their trades, by hand."""

import pandas as pd
import pytest

from diversification.indicators import demand as d
from diversification.inputs.errors import ConfigError
from diversification.inputs.referentiels import load_referentiel

PUBLICS = load_referentiel("publics").set_index("public_id").loc[["femmes", "seniors", "jeunes_diplomes"]].reset_index()


def _suivi(profiles):
    """profiles: (participant, sexe, tranche_age, niveau) — one row each, year 2025."""
    frame = pd.DataFrame(profiles, columns=["participant_id", "sexe", "tranche_age", "niveau_qualification"])
    frame["annee"] = pd.array([2025] * len(frame), dtype="Int64")
    frame["rqth"] = pd.array([False] * len(frame), dtype="boolean")
    frame["qpv"] = pd.array([False] * len(frame), dtype="boolean")
    frame["statut"] = "autre"
    frame["ligne"] = range(2, len(frame) + 2)
    return frame


@pytest.fixture
def suivi():
    # 10 participants: 2 women (p1 senior, p2), 5 seniors (p1, p3-p6), 0 young graduates; p1 has two rows
    rows = [("p1", "F", "50 ans et plus", "4 (bac)"), ("p1", "F", "50 ans et plus", "4 (bac)"),
            ("p2", "F", "26-49 ans", "4 (bac)")]
    rows += [(f"p{i}", "H", "50 ans et plus", "3 (CAP-BEP)") for i in range(3, 7)]
    rows += [(f"p{i}", "H", "26-49 ans", "3 (CAP-BEP)") for i in range(7, 11)]
    return _suivi(rows)


@pytest.fixture
def demandeurs():
    # 100 job seekers in 2025: 40 women, 25 seniors, 10 young graduates seeking M1805 ; 2024 ignored
    rows = [
        (2025, "F", "26-49 ans", "4 (bac)", "K2204", 30),
        (2025, "F", "moins de 26 ans", "5 (bac+2)", "M1805", 10),
        (2025, "H", "50 ans et plus", "3 (CAP-BEP)", "F1703", 25),
        (2025, "H", "26-49 ans", "3 (CAP-BEP)", "F1703", 35),
        (2024, "F", "26-49 ans", "4 (bac)", "K2204", 999),
    ]
    frame = pd.DataFrame(rows, columns=["annee", "sexe", "tranche_age", "niveau_qualification", "code_rome", "effectif"])
    frame["annee"] = frame["annee"].astype("Int64")
    frame["effectif"] = frame["effectif"].astype("Int64")
    frame["anciennete"] = "moins d'un an"
    for col in ("rqth", "brsa", "qpv"):
        frame[col] = pd.array([False] * len(frame), dtype="boolean")
    return frame


def test_representation_index_by_hand(suivi, demandeurs):
    table = d.representation_index(suivi, demandeurs, 2025, PUBLICS).set_index("public_id")
    # women: 2/10 = 0.2 among participants, 40/100 = 0.4 among job seekers → 0.5
    assert table.loc["femmes", "participants"] == 2
    assert table.loc["femmes", "part_demandeurs"] == pytest.approx(0.4)
    assert table.loc["femmes", "indice_representation"] == pytest.approx(0.5)
    # seniors: 5/10 = 0.5 vs 25/100 = 0.25 → 2
    assert table.loc["seniors", "indice_representation"] == pytest.approx(2.0)
    # young graduates: 0/10 vs 10/100 → 0
    assert table.loc["jeunes_diplomes", "indice_representation"] == 0


def test_index_missing_without_job_seekers_of_the_public(suivi, demandeurs):
    no_graduates = demandeurs[demandeurs["code_rome"] != "M1805"]
    table = d.representation_index(suivi, no_graduates, 2025, PUBLICS).set_index("public_id")
    assert pd.isna(table.loc["jeunes_diplomes", "indice_representation"])
    assert table.loc["jeunes_diplomes", "explication"] == "aucun demandeur d'emploi de ce public"


def test_ranking_with_weights_and_retention_rule(suivi, demandeurs):
    exact = d.representation_index(suivi, demandeurs, 2025, PUBLICS)
    ranked = d.rank_priority_publics(exact, {"femmes": 2.0, "seniors": 1.0, "jeunes_diplomes": 1.0}).set_index("public_id")
    # scores: women (1 − 0.5) × 2 = 1.0 ; graduates (1 − 0) × 1 = 1.0 ; seniors max(0, 1 − 2) = 0
    assert ranked.loc["femmes", "score"] == pytest.approx(1.0)
    assert ranked.loc["jeunes_diplomes", "score"] == pytest.approx(1.0)
    assert ranked.loc["seniors", "score"] == 0
    # tie broken by the order of publics.csv: femmes before jeunes_diplomes
    assert ranked["rang"].to_dict() == {"femmes": 1, "jeunes_diplomes": 2, "seniors": 3}
    assert ranked["retenu"].to_dict() == {"femmes": True, "jeunes_diplomes": True, "seniors": False}
    # threshold as a parameter: index < 0.4 keeps only the graduates
    strict = d.rank_priority_publics(exact, None, seuil_indice=0.4).set_index("public_id")
    assert strict["retenu"].to_dict() == {"femmes": False, "jeunes_diplomes": True, "seniors": False}
    # zero weight: never retained
    zero = d.rank_priority_publics(exact, {"femmes": 0}).set_index("public_id")
    assert not zero.loc["femmes", "retenu"]


def test_weights_from_configuration():
    ids = ["femmes", "seniors"]
    assert d.public_weights({}, ids) == {"femmes": 1.0, "seniors": 1.0}
    assert d.public_weights({"poids_publics": {"seniors": 3}}, ids) == {"femmes": 1.0, "seniors": 3.0}
    with pytest.raises(ConfigError) as error:
        d.public_weights({"poids_publics": {"femme": 2}}, ids)
    assert "poids_publics.femme" in str(error.value) and "femmes, seniors" in str(error.value)
    with pytest.raises(ConfigError, match="poids « -1 » invalide"):
        d.public_weights({"poids_publics": {"femmes": -1}}, ids)


def test_decision_table_is_protected(suivi, demandeurs):
    table = d.compute_priority_publics(suivi, demandeurs, 2025, 5, {}, publics=PUBLICS).set_index("public_id")
    for col in ["libelle", "participants", "part_participants", "demandeurs", "part_demandeurs",
                "indice_representation", "poids", "score", "rang", "retenu"]:
        assert col in table.columns
    # 2 women < 5: count, share, index and score hidden; the decision stays
    assert pd.isna(table.loc["femmes", "participants"]) and pd.isna(table.loc["femmes", "score"])
    assert table.loc["femmes", "explication"] == "effectif soumis au secret statistique"
    assert bool(table.loc["femmes", "retenu"])
    # seniors 5 of 10: complement 5 ≥ 5, shown
    assert table.loc["seniors", "participants"] == 5
    # graduates 0: zero shown
    assert table.loc["jeunes_diplomes", "participants"] == 0
    open_table = d.compute_priority_publics(suivi, demandeurs, 2025, 1, {}, publics=PUBLICS).set_index("public_id")
    assert open_table.loc["femmes", "participants"] == 2


def test_segments_of_the_priority_publics(demandeurs):
    segments = load_referentiel("segments").set_index("segment_id").loc[
        ["btp_gros_oeuvre", "nettoyage_locaux", "informatique_numerique"]].reset_index()
    table = d.segments_for_publics(demandeurs, 2025, ["femmes"], publics=PUBLICS, segments=segments)
    counts = table.set_index("segment_id")["demandeurs_publics_prioritaires"].to_dict()
    # women: 30 seek K2204 (cleaning), 10 seek M1805 (IT) ; none seeks F1703
    assert counts == {"nettoyage_locaux": 30, "informatique_numerique": 10, "btp_gros_oeuvre": 0}
    assert table["segment_id"].tolist() == ["nettoyage_locaux", "informatique_numerique", "btp_gros_oeuvre"]
    assert table.loc[0, "part_demandeurs_publics"] == pytest.approx(0.75)
    # women or seniors: a cell belonging to both publics is counted once
    both = d.jobseekers_of_publics(demandeurs, 2025, ["femmes", "seniors"], PUBLICS)
    assert int(both["effectif"].sum()) == 65


def test_demand_by_rome_and_public(demandeurs):
    rome = d.demand_by_rome(demandeurs, 2025)
    assert rome["code_rome"].tolist() == ["F1703", "K2204", "M1805"]
    assert rome["demandeurs"].tolist() == [60, 30, 10]
    assert rome.loc[1, "metier"] == "Nettoyage de locaux"
    by_public = d.demand_by_public(demandeurs, 2025, PUBLICS).set_index("public_id")
    assert by_public["demandeurs"].to_dict() == {"femmes": 40, "seniors": 25, "jeunes_diplomes": 10}


def test_same_inputs_same_decision(suivi, demandeurs):
    a = d.compute_priority_publics(suivi, demandeurs, 2025, 5, {}, publics=PUBLICS)
    b = d.compute_priority_publics(suivi.iloc[::-1], demandeurs.iloc[::-1], 2025, 5, {}, publics=PUBLICS)
    pd.testing.assert_frame_equal(a, b)


def test_representation_indicator_labels_keep_acronyms_such_as_rsa():
    """« Bénéficiaires du RSA » is read « Indice de représentation : bénéficiaires du RSA », never « rsa »."""
    import re

    from diversification.indicators.demand import representation_indicators
    from diversification.inputs.referentiels import load_referentiel

    publics = load_referentiel("publics")
    protected = pd.DataFrame({"public_id": publics["public_id"], "libelle": publics["libelle"],
                              "indice_representation": [1.0] * len(publics), "explication": [""] * len(publics)})
    labels = dict(zip(publics["public_id"], representation_indicators(protected)["libelle"]))
    assert labels["brsa"] == "Indice de représentation : bénéficiaires du RSA"
    assert labels["femmes"] == "Indice de représentation : femmes"
    for public_id, libelle in zip(publics["public_id"], publics["libelle"]):
        for acronym in re.findall(r"\b[A-Z]{2,}\b", libelle):
            assert acronym in labels[public_id], (public_id, labels[public_id])
