"""Economic needs (purchases.py): hand-computed values on small fixtures."""

import pandas as pd
import pytest

from diversification.indicators import purchases as P

PARTNER = "21750001600019"
BUYERS = [{"siret": PARTNER, "nom": "Ville A", "type": "collectivite"}]


def decp_fixture() -> pd.DataFrame:
    # 5 contracts: 3 partner (2 oui, 1 non), 2 other buyer (1 inconnue, 1 non with invalid amount)
    rows = [
        # acheteur, cpv, montant_final, valide, statut, clause, critere, reserve, annee
        (PARTNER, "45210000", 100.0, True, "oui", True, False, False, 2024),
        (PARTNER, "45210000", 300.0, True, "non", False, False, False, 2024),
        (PARTNER, "90910000", 50.0, True, "oui", False, False, True, 2025),
        ("99999999999999", "90910000", 1000.0, True, "inconnue", None, None, None, 2019),
        ("99999999999999", "45210000", 5e10, False, "non", False, False, False, 2025),
    ]
    df = pd.DataFrame(rows, columns=["acheteur_id", "codeCPV", "montant_final", "montant_valide",
                                     "consideration_sociale", "clause_sociale", "critere_social",
                                     "marche_reserve", "annee"])
    df["montant_valide"] = df["montant_valide"].astype("boolean")
    for c in ("clause_sociale", "critere_social", "marche_reserve"):
        df[c] = df[c].astype("boolean")
    df["consideration_sociale"] = df["consideration_sociale"].astype("string")
    df["nature_achat"] = ["travaux", "travaux", "services", "services", "travaux"]
    df["uid"] = [f"u{i}" for i in range(5)]
    df["titulaire_id"] = ["11111111111111", "22222222222222", "11111111111111", "33333333333333", None]
    df["titulaire_nom"] = ["Alpha", "Beta", "Alpha", "Gamma", None]
    df["lieuExecution_code"] = ["75056", "92012", "75", "97411", None]
    df["lieuExecution_typeCode"] = ["Code commune", "Code commune", "Code département", "Code commune", None]
    return df


def test_prepare_decp_without_partner_buyers():
    """A territory with no partner declared yet: every contract is one of « Autres acheteurs » (the map of no
    name used to give numbers, and the fill with a text failed)."""
    prep = P.prepare_decp(decp_fixture(), [])
    assert prep["acheteur"].tolist() == [P.OTHER_BUYERS] * len(prep) and not prep["partenaire"].any()
    assert P.purchases_by_buyer(decp_fixture(), [])["acheteur"].tolist() == [P.OTHER_BUYERS]


def test_prepare_decp_partner_and_segments():
    prep = P.prepare_decp(decp_fixture(), BUYERS)
    assert prep["acheteur"].tolist() == ["Ville A"] * 3 + [P.OTHER_BUYERS] * 2
    assert prep["segment"].tolist() == ["btp_gros_oeuvre", "btp_gros_oeuvre", "nettoyage_locaux",
                                        "nettoyage_locaux", "btp_gros_oeuvre"]


def test_total_shares_exclude_unknown_from_denominator():
    total = P.social_shares(P.prepare_decp(decp_fixture(), BUYERS), []).iloc[0]
    # 5 contracts; known status: 4 (the « inconnue » one is out); « oui »: 2 → 2/4 = 0.5
    assert total["nb_marches"] == 5 and total["nb_inconnue"] == 1 and total["nb_consideration_connue"] == 4
    assert total["part_nb"] == pytest.approx(0.5)
    # valid amount: 100 + 300 + 50 + 1000 = 1450 (5e10 not valid)
    assert total["montant"] == pytest.approx(1450.0)
    # known & valid: 100 + 300 + 50 = 450 ; with consideration: 150 → 1/3
    assert total["part_montant"] == pytest.approx(150 / 450)
    assert total["nb_clause_sociale"] == 1 and total["nb_marche_reserve"] == 1 and total["nb_montant_non_valide"] == 1


def test_partial_sums_regroup_to_the_shares_of_their_contracts():
    """``social_sums`` by year then regrouped as a whole: the shares of the five contracts (hand values above)."""
    prep = P.prepare_decp(decp_fixture(), BUYERS)
    by_year = P.social_sums(prep, ["annee"])
    assert list(by_year["annee"]) == [2019, 2024, 2025] and P.is_summed(by_year)
    assert list(by_year["nb_marches"]) == [1, 2, 2] and list(by_year["nb_avec_consideration"]) == [0, 1, 1]
    assert list(P.contract_counts(by_year)) == [1, 2, 2] and list(P.contract_counts(prep)) == [1] * 5
    total = P.social_shares(by_year, []).iloc[0]
    assert (total["nb_marches"], total["nb_consideration_connue"], total["part_nb"]) == (5, 4, 0.5)
    assert total["part_montant"] == pytest.approx(150 / 450)


def test_categorical_keys_are_sorted_by_value_not_by_category_order():
    """A text column read from Parquet as a dictionary has its categories in order of appearance: the groups come out
    in the order of the values, as with text keys."""
    prep = P.prepare_decp(decp_fixture(), BUYERS)
    as_text = P.social_shares(prep, ["segment", "acheteur"])
    categorical = prep.copy()
    for column in ("segment", "acheteur"):
        categorical[column] = pd.Categorical(prep[column], categories=prep[column].unique()[::-1])
    assert list(categorical["segment"].cat.categories) == ["nettoyage_locaux", "btp_gros_oeuvre"]
    found = P.social_shares(categorical, ["segment", "acheteur"])
    assert list(found["segment"]) == ["btp_gros_oeuvre", "btp_gros_oeuvre", "nettoyage_locaux", "nettoyage_locaux"]
    pd.testing.assert_frame_equal(found, as_text)


def test_by_buyer_partner_first_and_shares():
    table = P.purchases_by_buyer(decp_fixture(), BUYERS)
    assert table["acheteur"].tolist() == ["Ville A", P.OTHER_BUYERS]
    # Ville A: 2 oui / 3 known ; amounts 150 / 450
    assert table.loc[0, "part_nb"] == pytest.approx(2 / 3)
    assert table.loc[0, "part_montant"] == pytest.approx(1 / 3)
    # Others: 1 inconnue (excluded), 1 non → 0 / 1 ; amount: only the 1000 (unknown status) → known amount 0 → NA
    assert table.loc[1, "part_nb"] == pytest.approx(0.0)
    assert pd.isna(table.loc[1, "part_montant"])


def test_group_with_only_unknown_status_has_missing_share():
    table = P.past_purchases(decp_fixture(), BUYERS, by=("acheteur", "segment", "annee"))
    row = table[(table["acheteur"] == P.OTHER_BUYERS) & (table["annee"] == 2019)].iloc[0]
    assert row["nb_inconnue"] == 1 and row["nb_consideration_connue"] == 0 and pd.isna(row["part_nb"])


def test_by_segment_and_note():
    table = P.purchases_by_segment(decp_fixture(), BUYERS)
    # nettoyage: 50 + 1000 = 1050 ; gros œuvre: 100 + 300 = 400 → nettoyage first
    assert table["segment"].tolist() == ["nettoyage_locaux", "btp_gros_oeuvre"]
    assert table.loc[1, "part_nb"] == pytest.approx(1 / 3)  # gros œuvre: 1 oui / 3 known
    note = P.unknown_status_note(decp_fixture())
    assert "1 marché(s) sur 5" in note
    assert note.endswith("(colonne « Marchés à considération sociale inconnue »).")  # the label the notebook shows


def test_compare_with_references():
    table = P.compare_with_references(decp_fixture(), BUYERS)
    assert table["référence nationale"].tolist() == [0.125, 0.173, 0.187, 0.30]
    assert table["année"].tolist() == [2019, 2019, 2023, 2025]
    assert table["territoire, tous acheteurs"].tolist() == pytest.approx([0.5, 150 / 450, 0.5, 0.5])
    assert table["territoire, acheteurs partenaires"].tolist() == pytest.approx([2 / 3, 1 / 3, 2 / 3, 2 / 3])


def test_planned_purchases_by_segment_and_buyer():
    planned = pd.DataFrame({
        "id_achat": ["a", "b", "c"], "acheteur_siret": [PARTNER, PARTNER, "99999999999999"],
        "code_cpv": ["45210000", None, "45210000"], "montant_estime_ht": [10.0, 5.0, 20.0],
    })
    table = P.planned_purchases(planned, BUYERS)
    assert table[["segment", "acheteur", "nb_achats", "montant_estime_ht"]].values.tolist() == [
        ["btp_gros_oeuvre", P.OTHER_BUYERS, 1, 20.0], ["btp_gros_oeuvre", "Ville A", 1, 10.0],
        [P.UNKNOWN_SEGMENT, "Ville A", 1, 5.0]]
    totals = P.planned_by_segment(table)
    assert totals.loc[0, "montant_estime_ht"] == 30.0
    assert "Achats prévus non disponibles" in P.planned_unavailable_note("absente")


def bmo_fixture() -> pd.DataFrame:
    return pd.DataFrame({
        "annee": pd.array([2025, 2025, 2025, 2024], dtype="Int64"),
        "code_metier_bmo": ["A1Z41", "A1Z41", "T4Z60", "A1Z41"],
        "projets_recrutement": pd.array([10, 20, 8, 999], dtype="Int64"),
        "projets_difficiles": pd.array([5, None, 6, 999], dtype="Int64"),  # None = « * »
    })


def test_trades_in_tension_secret_is_missing_not_zero():
    trades = P.trades_in_tension(bmo_fixture(), 2025).set_index("code_fap")
    # 2025 only; A1Z41: projects 10 + 20 = 30; difficult known 5; share on rows with both known: 5/10
    assert trades.loc["A1Z41", "projets_recrutement"] == 30
    assert trades.loc["A1Z41", "nb_valeurs_secretes"] == 1
    assert trades.loc["A1Z41", "part_difficiles"] == pytest.approx(0.5)
    assert trades.loc["T4Z60", "part_difficiles"] == pytest.approx(0.75)


def test_segment_opportunities():
    fap = pd.DataFrame({
        "code_fap": ["A1Z41", "A1Z41", "T4Z60", "T4Z61"],
        "code_rome": ["A1203", "A1202", "K2204", "K2202"],
        "segment_id": ["espaces_verts", "espaces_verts", "nettoyage_locaux", "nettoyage_locaux"],
        "transition_ecologique": [True, True, False, False],
    })
    opp = P.segment_opportunities(P.trades_in_tension(bmo_fixture(), 2025), fap).set_index("segment_id")
    assert opp.loc["espaces_verts", "projets_recrutement"] == 30
    assert opp.loc["espaces_verts", "nb_metiers_verts"] == 2  # 2 distinct green ROME codes
    assert opp.loc["espaces_verts", "projets_metiers_verts"] == 30
    assert opp.loc["nettoyage_locaux", "part_difficiles"] == pytest.approx(0.75)
    assert opp.loc["nettoyage_locaux", "projets_metiers_verts"] == 0
    assert pd.isna(opp.loc["fournitures", "projets_recrutement"])  # no BMO trade: missing, not 0
    assert len(opp) == 21
    none = P.segment_opportunities(None, fap)
    assert none["projets_recrutement"].isna().all()


def test_same_inputs_same_tables():
    a = P.past_purchases(decp_fixture(), BUYERS)
    b = P.past_purchases(decp_fixture(), BUYERS)
    pd.testing.assert_frame_equal(a, b)


def test_charts_return_plotted_tables():
    fig, data = P.chart_social_share(P.purchases_by_segment(decp_fixture(), BUYERS))
    assert data["part_nb"].tolist() == pytest.approx([1 / 3, 1.0])
    assert fig.axes[0].get_title().startswith("Marchés passés")


def _bmo(year: int, codes: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"annee": pd.array([year] * len(codes), dtype="Int64"), "code_metier_bmo": list(codes),
                         "projets_recrutement": pd.array(list(codes.values()), dtype="Int64"),
                         "projets_difficiles": pd.array([0] * len(codes), dtype="Int64")})


#: G0A40 exists in both nomenclatures, with different meanings (here, two different segments).
FAP_BOTH = pd.DataFrame({
    "nomenclature": ["FAP 2009", "FAP 2009", "FAP 2021", "FAP 2021"],
    "code_fap": ["G0A40", "T4Z60", "G0A40", "T4X60"],
    "code_rome": ["I1310", "K2204", "I1310", "K2204"],
    "segment_id": ["maintenance_reparation", "nettoyage_locaux", "services_entreprises_particuliers", "nettoyage_locaux"],
    "transition_ecologique": [False, False, False, False],
})


@pytest.mark.parametrize("year, codes, nomenclature, expected", [
    (2025, {"T4X60": 10, "G0A40": 5, "Z9X99": 3}, "FAP 2021",
     {"nettoyage_locaux": 10, "services_entreprises_particuliers": 5}),
    (2023, {"G0A40": 7}, "FAP 2009", {"maintenance_reparation": 7}),  # codes of both: the year decides
    (2025, {"G0A40": 7}, "FAP 2021", {"services_entreprises_particuliers": 7}),
    (2025, {"T4Z60": 4, "G0A40": 7}, "FAP 2009", {"nettoyage_locaux": 4, "maintenance_reparation": 7}),
])
def test_bmo_trades_joined_in_the_nomenclature_of_their_survey(year, codes, nomenclature, expected):
    trades = P.trades_in_tension(_bmo(year, codes), year)
    assert set(trades["nomenclature"]) == {nomenclature}
    opp = P.segment_opportunities(trades, FAP_BOTH).set_index("segment_id")
    found = opp["projets_recrutement"].dropna()
    assert {k: int(v) for k, v in found.items() if v > 0} == expected


def test_unmatched_bmo_trades_listed_and_counted_never_dropped_silently():
    trades = P.trades_in_tension(_bmo(2025, {"T4X60": 10, "G0A40": 5, "Z9X99": 3, "A0X40": 2}), 2025)
    unmatched = P.unmatched_trades(trades, FAP_BOTH)
    assert unmatched.values.tolist() == [["Z9X99", "FAP 2021", 3.0], ["A0X40", "FAP 2021", 2.0]]
    note = P.tension_note(trades, fap_rome=FAP_BOTH)
    assert "4 métier(s) du territoire (codes de la nomenclature FAP 2021)" in note
    # 5 projects of 20: 25 %
    assert ("**2 métier(s) BMO ne sont rattachés à aucun segment** par la table FAP → ROME → segment "
            "(`fap_rome.csv`) : 5 projets de recrutement (25\u202f% du total), absents des besoins par segment "
            "ci-dessous (Z9X99, A0X40).") in note
    assert "aucun segment" not in P.tension_note(P.trades_in_tension(_bmo(2025, {"T4X60": 1}), 2025), fap_rome=FAP_BOTH)
    assert P.unmatched_trades(None).empty


def test_reference_table_attaches_real_fap2021_codes():
    """A FAP 2021 survey (BMO 2025) is joined through the FAP 2021 rows of the reference table."""
    trades = P.trades_in_tension(_bmo(2025, {"T4X60": 100, "J3X41": 20}), 2025)
    opp = P.segment_opportunities(trades).set_index("segment_id")
    assert opp.loc["nettoyage_locaux", "projets_recrutement"] == 100
    assert opp.loc["transports_mobilites", "projets_recrutement"] == 20
    assert P.unmatched_trades(trades).empty


def test_latest_oecp_reference_is_the_2023_census():
    latest = P.latest_oecp_share()
    assert (latest["ref_id"], latest["annee"], latest["valeur"]) == ("oecp_2023_clause_nombre", 2023, 0.187)
    table = P.national_references()
    older = table[table["ref_id"] != "oecp_2023_clause_nombre"]
    assert P.latest_oecp_share(older)["annee"] == 2019
