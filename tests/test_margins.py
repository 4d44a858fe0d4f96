"""Job seekers from a published table with margins (« Ensemble » rows, one criterion at a time), by hand.

The table gives 1 000 job seekers (categories A, B, C): 520 women and 480 men; 150 under 25, 600 aged 25-49,
250 aged 50 or more; 430 registered for a year or more; 300 seeking F1703, 200 K2204, 500 M1805. It has no
qualification, RQTH, RSA or QPV criterion, and crosses no two criteria.
"""

import pandas as pd
import pytest

from diversification.indicators import demand, profiles
from diversification.publish import charts
from diversification.inputs.loading import load_demandeurs_emploi

ROWS = """annee;categorie;sexe;tranche_age;anciennete;code_rome;effectif
2025;Catégories A, B, C;Ensemble;Ensemble;Ensemble;Ensemble;1000
2025;ABC;Femmes;Ensemble;Ensemble;Ensemble;520
2025;ABC;Hommes;Ensemble;Ensemble;Ensemble;480
2025;ABC;Ensemble;Moins de 25 ans;Ensemble;Ensemble;150
2025;ABC;Ensemble;25 à 49 ans;Ensemble;Ensemble;600
2025;ABC;Ensemble;50 ans ou plus;Ensemble;Ensemble;250
2025;ABC;Ensemble;Ensemble;Un an ou plus;Ensemble;430
2025;ABC;Ensemble;Ensemble;Moins d'un an;Ensemble;570
2025;ABC;Ensemble;Ensemble;Ensemble;F1703;300
2025;ABC;Ensemble;Ensemble;Ensemble;K2204;200
2025;ABC;Ensemble;Ensemble;Ensemble;M1805;500
"""


@pytest.fixture
def loaded(tmp_path):
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text(ROWS, encoding="utf-8")
    return load_demandeurs_emploi([path])


@pytest.fixture
def suivi():
    # 10 participants of 2025: 2 women, 5 aged 50 or more
    rows = [("p1", "F", "50 ans et plus"), ("p2", "F", "26-49 ans")]
    rows += [(f"p{i}", "H", "50 ans et plus") for i in range(3, 7)]
    rows += [(f"p{i}", "H", "26-49 ans") for i in range(7, 11)]
    frame = pd.DataFrame(rows, columns=["participant_id", "sexe", "tranche_age"])
    frame["niveau_qualification"] = "3 (CAP-BEP)"
    frame["annee"] = pd.array([2025] * len(frame), dtype="Int64")
    for col in ("rqth", "qpv"):
        frame[col] = pd.array([False] * len(frame), dtype="boolean")
    frame["statut"] = "autre"
    frame["ligne"] = range(2, len(frame) + 2)
    return frame


def test_margin_rows_are_kept_and_said(loaded):
    table = loaded.table
    assert len(table) == 11 and not loaded.rejects.records
    assert table.loc[1, "marges"] == "categorie,tranche_age,niveau_qualification,anciennete,rqth,brsa,qpv,code_rome"
    assert table.loc[0, "marges"].split(",") == demand.CRITERIA
    assert any("11 ligne(s) de marge" in n for n in loaded.notices)
    assert any("critère(s) absent(s) du fichier : Niveau de qualification, RQTH, Bénéficiaire du RSA, Résident QPV"
               in n for n in loaded.notices)


def test_each_public_is_counted_on_its_own_criterion(loaded):
    table = demand.demand_by_public(loaded.table, 2025).set_index("public_id")
    assert demand._total_jobseekers(loaded.table, 2025) == 1000  # the « Ensemble » row, not the sum of 11 rows
    assert table.at["femmes", "demandeurs"] == 520
    assert table.at["femmes", "part_demandeurs"] == pytest.approx(0.52)
    assert table.at["seniors", "demandeurs"] == 250
    assert table.at["deld", "demandeurs"] == 430
    # not measurable: missing, never 0, with the reason
    for public, reason in (("travailleurs_handicapes", "ne donnent pas le critère « RQTH »"),
                           ("jeunes_diplomes", "ne donnent pas le critère « Niveau de qualification »"),
                           ("residents_qpv", "ne donnent pas le critère « Résident QPV »")):
        assert pd.isna(table.at[public, "demandeurs"]), public
        assert pd.isna(table.at[public, "part_demandeurs"]), public
        assert reason in table.at[public, "explication"], public
    assert table.loc[table["demandeurs"].notna(), "explication"].eq("").all()


def test_representation_and_decision_with_margins(loaded, suivi):
    exact = demand.representation_index(suivi, loaded.table, 2025).set_index("public_id")
    assert exact.at["femmes", "indice_representation"] == pytest.approx(0.2 / 0.52)
    assert exact.at["seniors", "indice_representation"] == pytest.approx(0.5 / 0.25)
    assert pd.isna(exact.at["travailleurs_handicapes", "indice_representation"])
    assert exact.at["travailleurs_handicapes", "explication"].startswith("non mesurable")
    decision = demand.compute_priority_publics(suivi, loaded.table, 2025, threshold=5).set_index("public_id")
    assert bool(decision.at["femmes", "retenu"]) and not bool(decision.at["seniors", "retenu"])
    assert not bool(decision.at["travailleurs_handicapes", "retenu"])
    # DELD (no participant: index 0) then women (0.38) then seniors; the publics not measurable come last
    assert decision["rang"].to_dict() == {"deld": 1, "femmes": 2, "seniors": 3, "travailleurs_handicapes": 4,
                                          "jeunes_diplomes": 5, "jeunes_peu_qualifies": 6, "brsa": 7, "residents_qpv": 8}


def test_trades_from_their_own_margin_and_publics_by_trade_not_measurable(loaded):
    rome = demand.demand_by_rome(loaded.table, 2025, fap_rome=None)
    assert rome["code_rome"].tolist() == ["M1805", "F1703", "K2204"]
    assert rome["demandeurs"].tolist() == [500, 300, 200]
    assert demand.jobseekers_of_publics(loaded.table, 2025, ["femmes"]) is None
    by_segment = demand.segments_for_publics(loaded.table, 2025, ["femmes"])
    assert by_segment["demandeurs_publics_prioritaires"].isna().all()  # not 0
    assert "ne croisent pas les critères « Sexe » et « Métier recherché (ROME) »" in by_segment.attrs["explication"]


def test_profiles_from_margins(loaded, suivi):
    table = profiles.compare_profiles(suivi, loaded.table, 2025)
    sexe = table[table["dimension"] == "Sexe"].set_index("modalite")
    assert sexe["demandeurs"].dropna().astype(int).tolist() == [520, 480]
    age = table[table["dimension"] == "Tranche d'âge"]
    assert age["demandeurs"].dropna().astype(int).tolist() == [150, 600, 250]
    level = table[table["dimension"] == "Niveau de qualification"]
    assert level["demandeurs"].isna().all()  # not given by the table


def test_a_cross_table_and_its_margins_give_the_same_counts(tmp_path):
    """A sex × age cross table with its sex margins: the women are read on the margin (one layout), the
    young women on the cross table; nothing is added twice."""
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text("annee;sexe;tranche_age;effectif\n"
                    "2025;F;moins de 26 ans;30\n2025;F;26-49 ans;50\n2025;H;moins de 26 ans;20\n2025;H;26-49 ans;60\n"
                    "2025;F;Ensemble;80\n2025;H;Ensemble;80\n", encoding="utf-8")
    table = load_demandeurs_emploi([path]).table
    assert demand._total_jobseekers(table, 2025) == 160
    cells = demand.cells_for(table, ["sexe"])
    assert cells["effectif"].tolist() == [80, 80]
    young_women = demand.cells_for(table, ["sexe", "tranche_age"])
    assert young_women["effectif"].tolist() == [30, 50, 20, 60]
    assert demand.cells_for(table, ["anciennete"]) is None


def test_notebook_tables_and_charts_say_not_measurable_not_secret(loaded):
    """What phase 02 shows when the table has no trades: an empty trade table saying why, no chart bar, and
    « non mesurable » (not « secret ») in the key figures."""
    no_trades = loaded.table[loaded.table["code_rome"].isna()]
    rome = demand.protect_counts(demand.demand_by_rome(no_trades, 2025), "demandeurs", 5, ["part_demandeurs"])
    assert rome.table.empty
    assert rome.rule.startswith("*Effectifs non mesurables : les demandeurs d'emploi fournis ne donnent pas le critère "
                                "« Métier recherché (ROME) ».*")
    decision = pd.DataFrame({"public_id": ["femmes"], "retenu": [True], "rang": [1], "indice_representation": [0.4]})
    segments = demand.segments_table(loaded.table, 2025, decision, 5)
    assert segments.n_hidden == 0 and segments.table["demandeurs_publics_prioritaires"].isna().all()
    chart = charts.jobseekers_by_segment(segments)
    assert chart.table.empty and chart.note == ""
    assert demand.key_figures(decision, segments).endswith("non mesurable, autres_services non mesurable, "
                                                           "blanchisserie_nettoyage_vetements non mesurable")
    by_public = demand.protect_counts(demand.demand_by_public(loaded.table, 2025), "demandeurs", 5, ["part_demandeurs"],
                                      total=False)
    assert by_public.n_hidden == 0  # 520, 250, 430 shown; the others missing, not hidden
    representation = demand.representation_table(
        pd.DataFrame({"participant_id": ["p1"], "annee": pd.array([2025], dtype="Int64"), "sexe": ["F"],
                      "tranche_age": ["26-49 ans"], "niveau_qualification": ["4 (bac)"], "statut": ["autre"],
                      "rqth": pd.array([False], dtype="boolean"), "qpv": pd.array([False], dtype="boolean"),
                      "ligne": [2]}), loaded.table, 2025, 1)
    assert charts.representation(representation).table["libelle"].tolist() == [
        "Femmes", "Seniors", "Demandeurs d'emploi de longue durée"]


def test_a_public_without_its_margin_row_is_missing_not_zero(tmp_path):
    """A published table whose « Femmes » row is secret (« * », rejected and said): women are not measurable,
    not 0; men are still counted."""
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text("annee;sexe;effectif\n2025;Ensemble;1000\n2025;Femmes;*\n2025;Hommes;480\n", encoding="utf-8")
    result = load_demandeurs_emploi([path])
    assert [(r["ligne"], r["colonne"]) for r in result.rejects.records] == [(3, "effectif")]
    assert "secret statistique dans le fichier source (« * »)" in result.rejects.records[0]["motif"]
    table = demand.demand_by_public(result.table, 2025).set_index("public_id")
    assert pd.isna(table.at["femmes", "demandeurs"])
    assert table.at["femmes", "explication"] == "non mesurable : aucune ligne des demandeurs d'emploi fournis ne donne ce public"


def test_shares_of_a_published_table_whose_criteria_cover_category_a_only(tmp_path):
    """As the quarterly table of France Travail: sex and age for category A only (2 928, of which 1 428 women and
    802 aged 50 or more), the total and the long-term job seekers for A, B, C (5 216, of which 2 261). Women are a
    share of category A (1 428 / 2 928), not of A, B, C; long-term job seekers a share of A, B, C."""
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text(
        "annee;categorie;sexe;tranche_age;anciennete;effectif\n"
        "2025;Catégorie A;Ensemble;Ensemble;Ensemble;2928\n"
        "2025;A;Hommes;Ensemble;Ensemble;1500\n2025;A;Femmes;Ensemble;Ensemble;1428\n"
        "2025;A;Ensemble;Moins de 25 ans;Ensemble;418\n2025;A;Ensemble;25 à 49 ans;Ensemble;1708\n"
        "2025;A;Ensemble;50 ans ou plus;Ensemble;802\n"
        "2025;Catégories A,B,C;Ensemble;Ensemble;Ensemble;5216\n"
        "2025;Catégories A,B,C;Ensemble;Ensemble;Un an ou plus;2261\n", encoding="utf-8")
    result = load_demandeurs_emploi([path])
    assert not result.rejects.records
    table = demand.demand_by_public(result.table, 2025).set_index("public_id")
    assert demand._total_jobseekers(result.table, 2025) == 5216
    assert table.at["femmes", "demandeurs"] == 1428
    assert table.at["femmes", "part_demandeurs"] == pytest.approx(1428 / 2928)
    assert table.at["seniors", "part_demandeurs"] == pytest.approx(802 / 2928)
    assert table.at["deld", "demandeurs"] == 2261
    assert table.at["deld", "part_demandeurs"] == pytest.approx(2261 / 5216)  # no « moins d'un an » row: the total


def test_report_and_workbook_say_not_measurable_not_secret():
    """A public not measurable: its index is « non mesurable » in the report and the workbook, while a hidden
    participant count stays « secret statistique »."""
    from diversification.publish import report

    table = pd.DataFrame({
        "libelle": ["Femmes", "Travailleurs handicapés"], "participants": pd.array([12, pd.NA], dtype="Int64"),
        "part_participants": pd.array([0.4, pd.NA], dtype="Float64"), "demandeurs": pd.array([520, pd.NA], dtype="Int64"),
        "part_demandeurs": pd.array([0.52, pd.NA], dtype="Float64"),
        "indice_representation": pd.array([0.77, pd.NA], dtype="Float64"),
        "explication": ["", "non mesurable : les demandeurs d'emploi fournis ne donnent pas le critère « RQTH »"]})
    spec = next(s for s in report.SECTION_TABLES["02"] if s.name == "besoins_emploi_representation")
    rows = report.format_table(table, spec)["rows"]
    assert [c["text"] for c in rows[1]] == ["Travailleurs handicapés", "secret statistique", "secret statistique",
                                            "non mesurable", "non mesurable", "non mesurable"]
    sheets, _ = report.workbook_sheets({"besoins_emploi_representation": table})
    sheet = sheets["Représentation des publics"]
    assert sheet.iloc[1].tolist() == ["Travailleurs handicapés", "secret statistique", "secret statistique",
                                      "non mesurable", "non mesurable", "non mesurable"]
    assert sheet.iloc[0, 1] == 12


def test_a_share_of_category_a_is_protected_against_its_complement_in_category_a(tmp_path, suivi):
    """A small territory's published table: 43 job seekers of category A (40 women, 3 men), 100 of categories
    A, B, C. The women's count (40) is not small, but its complement among those it is a share of (category A)
    is 3 men: with a threshold of 5 it is hidden. Against the whole table (100 - 40 = 60) it would be shown and
    give away the 3 men of category A."""
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text(
        "annee;categorie;sexe;anciennete;effectif\n"
        "2025;Catégorie A;Ensemble;Ensemble;43\n2025;A;Femmes;Ensemble;40\n2025;A;Hommes;Ensemble;3\n"
        "2025;Catégories A,B,C;Ensemble;Ensemble;100\n2025;ABC;Ensemble;Un an ou plus;30\n", encoding="utf-8")
    table = load_demandeurs_emploi([path]).table
    exact = demand.representation_index(suivi, table, 2025)
    assert exact.attrs["demandeurs_bases"]["femmes"] == 43 and exact.attrs["demandeurs_bases"]["deld"] == 100
    protected = demand.representation_table(suivi, table, 2025, 5).set_index("public_id")
    assert pd.isna(protected.at["femmes", "demandeurs"]) and pd.isna(protected.at["femmes", "part_demandeurs"])
    assert protected.at["femmes", "explication"] == "effectif soumis au secret statistique"
    assert protected.at["deld", "demandeurs"] == 30  # 30 of 100: neither it nor 70 is small
    decision = demand.compute_priority_publics(suivi, table, 2025, threshold=5).set_index("public_id")
    assert pd.isna(decision.at["femmes", "demandeurs"]) and decision.at["deld", "demandeurs"] == 30
    # the same count against the whole table is shown: the base is what changed
    whole = demand.protect_representation(exact, 5, participants_total=10, demandeurs_total=100).set_index("public_id")
    assert whole.at["femmes", "demandeurs"] == 40


def test_a_published_table_with_its_title_and_notes_loads_without_rejects(tmp_path):
    """The table as downloaded (saved as CSV by a spreadsheet, which quotes a cell holding the separator): a title
    above the header and the source under it; no row rejected, both said."""
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text("Demandeurs d'emploi inscrits en fin de trimestre, catégories A, B, C\n\n" + ROWS
                    + '\n"Source : France Travail, STMT ; traitement Dares."\n', encoding="utf-8")
    loaded = load_demandeurs_emploi([path])
    assert not loaded.rejects.records and len(loaded.table) == 11
    assert loaded.table["ligne"].iloc[0] == 4
    assert demand.demand_by_public(loaded.table, 2025).set_index("public_id").at["femmes", "demandeurs"] == 520
    assert "« demandeurs_emploi.csv » : 1 ligne(s) de titre avant la ligne d'en-tête ignorée(s) (ligne 1)." in loaded.notices
    assert ("« demandeurs_emploi.csv » : 1 ligne(s) de notes sous le tableau ignorée(s) (ligne 16), par exemple "
            "« Source : France Travail, STMT ; traitement Dares. ».") in loaded.notices
