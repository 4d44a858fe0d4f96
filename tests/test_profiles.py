"""Beneficiaries' profile beside the job seekers', by hand."""

import pandas as pd
import pytest

from diversification.indicators import profiles as p
from diversification.publish import charts


@pytest.fixture
def suivi():
    # 8 participants in 2025: 2 women, 6 men ; p1 appears twice (counted once)
    sexes = ["F", "F", "F"] + ["H"] * 6
    ids = ["p1", "p1", "p2"] + [f"p{i}" for i in range(3, 9)]
    frame = pd.DataFrame({"participant_id": ids, "sexe": sexes})
    frame["annee"] = pd.array([2025] * len(frame), dtype="Int64")
    frame["tranche_age"] = "26-49 ans"
    frame["niveau_qualification"] = "4 (bac)"
    frame["rqth"] = pd.array([True, True] + [False] * 7, dtype="boolean")
    frame["qpv"] = pd.array([False] * len(frame), dtype="boolean")
    frame["statut"] = "DELD"
    frame["ligne"] = range(2, len(frame) + 2)
    return frame


@pytest.fixture
def demandeurs():
    frame = pd.DataFrame({"sexe": ["F", "H"], "effectif": [60, 40]})
    frame["annee"] = pd.array([2025, 2025], dtype="Int64")
    frame["effectif"] = frame["effectif"].astype("Int64")
    frame["tranche_age"] = "26-49 ans"
    frame["niveau_qualification"] = "4 (bac)"
    frame["rqth"] = pd.array([False, False], dtype="boolean")
    frame["qpv"] = pd.array([False, False], dtype="boolean")
    return frame


def test_compare_profiles_by_hand(suivi, demandeurs):
    table = p.compare_profiles(suivi, demandeurs, 2025)
    sexe = table[table["dimension"] == "Sexe"].set_index("modalite")
    # women 2/8 = 0.25 vs 60/100 = 0.6 → gap −35 points
    assert sexe.loc["Femmes", "participants"] == 2
    assert sexe.loc["Femmes", "part_participants"] == pytest.approx(0.25)
    assert sexe.loc["Femmes", "part_demandeurs"] == pytest.approx(0.6)
    assert sexe.loc["Femmes", "ecart_points"] == pytest.approx(-35)
    age = table[table["dimension"] == "Tranche d'âge"]
    assert age["modalite"].tolist() == ["moins de 26 ans", "26-49 ans", "50 ans et plus"]
    assert age["participants"].tolist() == [0, 8, 0]
    rqth = table[table["dimension"].str.startswith("RQTH")].set_index("modalite")
    assert rqth.loc["oui", "participants"] == 1  # p1 once
    statut = table[table["dimension"] == "Statut d'éligibilité"]
    assert statut["part_demandeurs"].isna().all()


def test_profiles_protected_dimension_by_dimension(suivi, demandeurs):
    protected = p.profile_table(suivi, demandeurs, 2025, 3)
    shown = protected.table
    sexe = shown[shown["dimension"] == "Sexe"].set_index("modalite")
    # 2 women < 3: hidden; then the men (6) hidden too, else 8 − 6 gives them back
    assert pd.isna(sexe.loc["Femmes", "participants"]) and pd.isna(sexe.loc["Femmes", "ecart_points"])
    assert pd.isna(sexe.loc["Hommes", "participants"])
    # job-seeker counts stay visible
    assert sexe.loc["Femmes", "demandeurs"] == 60
    rqth = shown[shown["dimension"].str.startswith("RQTH")].set_index("modalite")
    assert pd.isna(rqth.loc["oui", "participants"]) and pd.isna(rqth.loc["non", "participants"])
    age = shown[shown["dimension"] == "Tranche d'âge"].set_index("modalite")
    assert age.loc["26-49 ans", "participants"] == 8 and age.loc["moins de 26 ans", "participants"] == 0
    display = protected.for_display()
    assert "secret statistique" in set(display["participants"].astype(str))
    chart = charts.participant_profile(protected, "Tranche d'âge")
    assert chart.table["modalite"].tolist() == ["moins de 26 ans", "26-49 ans", "50 ans et plus"]


def test_profile_without_job_seekers(suivi):
    table = p.compare_profiles(suivi, None, 2025)
    assert table["part_demandeurs"].isna().all()
    protected = p.protect_profiles(table, 1)
    assert protected.n_hidden == 0
