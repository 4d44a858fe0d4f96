"""Concentration indicators checked against hand-computed values on small fixtures."""

import pandas as pd
import pytest

from diversification.indicators import concentration as c
from diversification.publish import charts


def _suivi(rows):
    """rows: (annee, segment, entreprise, participant, heures_prevues, heures_realisees)."""
    frame = pd.DataFrame(rows, columns=["annee", "segment", "entreprise_siret", "participant_id",
                                        "heures_prevues", "heures_realisees"])
    frame["annee"] = frame["annee"].astype("Int64")
    frame["entreprise_nom"] = "Entreprise " + frame["entreprise_siret"]
    frame["acheteur_siret"] = "A1"
    frame["acheteur_nom"] = "Acheteur 1"
    for col in ("heures_prevues", "heures_realisees"):
        frame[col] = frame[col].astype("Float64")
    return frame


@pytest.fixture
def suivi():
    # 2025: gros œuvre 60 h (E1 40, E2 20), nettoyage 20 h (E3), informatique 20 h (E4 10, E5 5, E6 5)
    # 2024: gros œuvre 90 h (E1), nettoyage 10 h (E3)
    return _suivi([
        (2025, "btp_gros_oeuvre", "E1", "p1", 50, 40),
        (2025, "btp_gros_oeuvre", "E2", "p2", 20, 20),
        (2025, "nettoyage_locaux", "E3", "p3", 25, 20),
        (2025, "informatique_numerique", "E4", "p4", 10, 10),
        (2025, "informatique_numerique", "E5", "p4", 5, 5),
        (2025, "informatique_numerique", "E6", "p5", 10, 5),
        (2024, "btp_gros_oeuvre", "E1", "p1", 100, 90),
        (2024, "nettoyage_locaux", "E3", "p6", 10, 10),
    ])


def test_hhi_effective_number_and_top_share_by_hand():
    # shares 0.6, 0.3, 0.1 → 0.36 + 0.09 + 0.01 = 0.46 ; 1 / 0.46 = 2.1739
    assert c.hhi(pd.Series([60, 30, 10])) == pytest.approx(0.46)
    assert c.effective_number(0.46) == pytest.approx(2.173913, rel=1e-6)
    # equal shares over n = 4 → HHI = 1/4, effective number 4 (lower bound 1/n)
    assert c.hhi(pd.Series([5, 5, 5, 5])) == pytest.approx(0.25)
    # top 5 of 50, 20, 10, 8, 5, 4, 3 (total 100) = 93 / 100
    assert c.top_share(pd.Series([50, 20, 10, 8, 5, 4, 3])) == pytest.approx(0.93)
    # zeros ignored, one positive value → HHI = 1
    assert c.hhi(pd.Series([0, 7])) == 1.0


def test_elementary_indicators_refuse_meaningless_input():
    with pytest.raises(ValueError):
        c.hhi(pd.Series([0, 0]))
    with pytest.raises(ValueError):
        c.hhi(pd.Series([-1, 3]))
    with pytest.raises(ValueError):
        c.effective_number(0)


def test_concentrated_segments_come_from_the_groups_of_segments_csv():
    ids = c.concentrated_segments()
    assert {"btp_gros_oeuvre", "btp_second_oeuvre", "btp_vrd_travaux_publics", "nettoyage_locaux"} == set(ids)


def test_concentration_indicators_by_hand(suivi):
    table = c.concentration_indicators(suivi, annee=2025).set_index("indicateur")["valeur"]
    # total 100 h ; gros œuvre 60 + nettoyage 20 → 0.8
    assert table["heures_realisees"] == 100
    assert table["part_construction_nettoyage"] == pytest.approx(0.8)
    # shares 0.6, 0.2, 0.2 → 0.36 + 0.04 + 0.04 = 0.44 ; 1 / 0.44 = 2.2727
    assert table["hhi_segments"] == pytest.approx(0.44)
    assert table["nombre_effectif_segments"] == pytest.approx(1 / 0.44)
    # six companies 40, 20, 20, 10, 5, 5 → top 5 = 95 / 100
    assert table["nombre_entreprises"] == 6
    assert table["part_top5_entreprises"] == pytest.approx(0.95)


def test_indicators_not_computable_on_one_segment_and_few_companies(suivi):
    table = c.concentration_indicators(suivi[suivi["segment"] == "btp_gros_oeuvre"], annee=2025)
    table = table.set_index("indicateur")
    assert table.loc["part_construction_nettoyage", "valeur"] == 1.0
    assert pd.isna(table.loc["hhi_segments", "valeur"])
    assert pd.isna(table.loc["nombre_effectif_segments", "valeur"])
    assert "un seul segment" in table.loc["hhi_segments", "explication"]
    # two companies ≤ 5: the top-5 share is 100 % by construction
    assert pd.isna(table.loc["part_top5_entreprises", "valeur"])
    assert "2 entreprise(s)" in table.loc["part_top5_entreprises", "explication"]
    shown = c.indicators_for_display(c.concentration_indicators(suivi[suivi["segment"] == "btp_gros_oeuvre"], annee=2025))
    assert shown["valeur"].str.startswith("non calculable").sum() == 3


def test_trend_one_row_per_year_and_french_sentence(suivi):
    trend = c.concentration_trend(suivi)
    assert trend["annee"].tolist() == [2024, 2025]
    # 2024: 90 + 10 h all in construction + cleaning ; HHI 0.81 + 0.01 = 0.82
    assert trend.loc[0, "part_construction_nettoyage"] == pytest.approx(1.0)
    assert trend.loc[0, "hhi_segments"] == pytest.approx(0.82)
    assert pd.isna(trend.loc[0, "part_top5_entreprises"])  # 2 companies
    text = c.trend_markdown(trend)
    assert text.startswith("De 2024 à 2025") and "100\u202f% à 80\u202f%" in text
    one_year = c.concentration_trend(suivi[suivi["annee"] == 2025])
    assert len(one_year) == 1
    assert "aucune tendance ne peut être calculée" in c.trend_markdown(one_year)


def test_hours_by_segment_by_hand(suivi):
    table = c.hours_by(suivi, "segment", annee=2025).set_index("cle")
    assert table.index.tolist() == ["btp_gros_oeuvre", "informatique_numerique", "nettoyage_locaux"]
    assert table.loc["btp_gros_oeuvre", "libelle"] == "BTP – gros œuvre"
    # p4 counted once in informatique (two rows)
    assert table.loc["informatique_numerique", "participants"] == 2
    assert table.loc["btp_gros_oeuvre", "heures_prevues"] == 70
    assert table.loc["btp_gros_oeuvre", "taux_realisation"] == pytest.approx(60 / 70)
    assert table.loc["nettoyage_locaux", "part_heures"] == pytest.approx(0.2)
    years = c.hours_by(suivi, "annee")
    assert years["cle"].tolist() == ["2024", "2025"] and years["heures_realisees"].tolist() == [100, 100]
    with pytest.raises(ValueError, match="dimension inconnue"):
        c.hours_by(suivi, "commune")


def test_protected_hours_hide_hours_of_small_counts(suivi):
    protected = c.hours_table(suivi, "segment", 3, annee=2025)
    shown = protected.table.set_index("cle")
    # counts 2, 2, 1 with threshold 3: all hidden, hours too
    assert shown["participants"].isna().all()
    assert shown["heures_realisees"].isna().all()
    chart = charts.hours_by_segment(protected)
    assert chart.table.empty and "3 valeur(s)" in chart.note
    open_table = c.hours_table(suivi, "segment", 1, annee=2025)
    assert open_table.n_hidden == 0
    assert len(charts.hours_by_segment(open_table).table) == 3


def test_same_inputs_same_tables(suivi):
    pd.testing.assert_frame_equal(c.concentration_trend(suivi), c.concentration_trend(suivi.iloc[::-1]))
    pd.testing.assert_frame_equal(c.hours_by(suivi, "entreprise"), c.hours_by(suivi.iloc[::-1], "entreprise"))
