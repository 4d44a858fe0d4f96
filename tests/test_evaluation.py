"""Evaluation of the experimental clauses on a small fixture."""
import pandas as pd
import pytest

from diversification.inputs.referentiels import sheet_name

from diversification.indicators import evaluation as ev


@pytest.mark.parametrize("k, n, low, high", [
    (10, 100, 0.0552, 0.1744),   # textbook values (Wilson 1927; Newcombe 1998)
    (0, 10, 0.0, 0.2775),
    (5, 10, 0.2366, 0.7634),
    (81, 263, 0.2553, 0.3662),   # Newcombe 1998, example (81/263)
])
def test_wilson_interval(k, n, low, high):
    lo, hi = ev.wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_wilson_rejects():
    with pytest.raises(ValueError):
        ev.wilson_interval(3, 0)


def _row(pid, year, contract, segment, siret, exp, sexe="H", age="26-49 ans", niveau="3 (CAP-BEP)", rqth=False,
         sortie="en cours", hp=100.0, hr=80.0):
    return {"annee": year, "id_marche": contract, "acheteur_nom": "Ville", "segment": segment,
            "entreprise_siret": siret, "entreprise_nom": f"E{siret}", "heures_prevues": hp, "heures_realisees": hr,
            "participant_id": pid, "sexe": sexe, "tranche_age": age, "niveau_qualification": niveau, "rqth": rqth,
            "sortie": sortie, "experimental": exp}


def _fixture():
    rows = []
    # experimental contract X (2024, restauration, company 1 new): 6 participants, 4 women, 2 graduates
    for i in range(6):
        rows.append(_row(f"X{i}", 2024, "X", "restauration", "1", True, sexe="F" if i < 4 else "H",
                         niveau="5 (bac+2)" if i < 2 else "3 (CAP-BEP)",
                         sortie="emploi durable" if i < 3 else "autre sortie"))
    # historical (BTP) 2024: 10 participants, 3 women, company 2 (clause since 2022)
    for i in range(10):
        rows.append(_row(f"H{i}", 2024, "H", "btp_gros_oeuvre", "2", False, sexe="F" if i < 3 else "H",
                         sortie="emploi de transition" if i < 6 else "en cours"))
    rows.append(_row("OLD", 2022, "H0", "btp_gros_oeuvre", "2", False))
    # company 3 had a clause in 2023, then an experimental one in 2024
    rows.append(_row("Y0", 2023, "Z", "nettoyage_locaux", "3", False, hp=50.0, hr=50.0))
    rows.append(_row("Y1", 2024, "Y", "informatique_numerique", "3", True, hp=200.0, hr=100.0, sortie="autre sortie"))
    suivi = pd.DataFrame(rows)
    suivi["experimental"] = suivi["experimental"].astype("boolean")
    suivi["rqth"] = suivi["rqth"].astype("boolean")
    return suivi


def test_hours_by_contract_protected():
    table = ev.hours_by_contract(_fixture(), threshold=5).table
    x = table[table["id_marche"] == "X"].iloc[0]
    assert x["participants"] == 6 and x["heures_prevues"] == 600.0 and x["heures_realisees"] == 480.0
    assert x["taux_realisation"] == pytest.approx(0.8)
    y = table[table["id_marche"] == "Y"].iloc[0]
    assert pd.isna(y["participants"]) and pd.isna(y["heures_realisees"])  # 1 participant < 5: hidden
    total = table.iloc[-1]
    assert total["participants"] == 7 and total["heures_realisees"] == 580.0  # 480 + 100


def test_profiles_with_wilson_and_secrecy():
    table = ev.profile_comparison(_fixture(), threshold=3).set_index(["indicateur", "groupe"])
    # experimental: 7 participants (X0..X5, Y1), women 4 → 4/7
    women = table.loc[("femmes", ev.EXPERIMENTAL)]
    assert women["participants"] == 7 and women["effectif"] == 4
    assert women["part"] == pytest.approx(4 / 7)
    lo, hi = ev.wilson_interval(4, 7)
    assert women["ic_bas"] == pytest.approx(lo) and women["ic_haut"] == pytest.approx(hi)
    # historical 2024: 10 participants, 3 women → 3/10
    assert table.loc[("femmes", ev.HISTORICAL), "part"] == pytest.approx(0.3)
    # graduates: 2 of 7 experimental (< 3: hidden); 0 historical: the zero is shown but the share of the
    # experimental group stays hidden (and the column total is hidden by secondary suppression)
    assert pd.isna(table.loc[("diplomes", ev.EXPERIMENTAL), "part"])
    assert table.loc[("diplomes", ev.HISTORICAL), "effectif"] == 0


def test_new_companies():
    table = ev.new_companies(_fixture()).set_index("entreprise_siret")
    assert bool(table.loc["1", "premiere_clause"]) is True
    assert bool(table.loc["3", "premiere_clause"]) is False
    assert table.loc["3", "annee_premiere_clause"] == 2023


def test_exits_hidden_when_small():
    suivi = _fixture()
    suivi.loc[suivi["participant_id"] == "Y1", "sortie"] = "en cours"
    protected, rates = ev.exits_comparison(suivi, threshold=3)
    # en cours 1 (< 3) hidden, then the smallest other cell of the column (positive 3) → rate hidden
    assert pd.isna(protected.table.loc["en cours", ev.EXPERIMENTAL])
    assert pd.isna(rates.set_index("groupe").loc[ev.EXPERIMENTAL, "taux_sorties_positives"])


def test_exits():
    protected, rates = ev.exits_comparison(_fixture(), threshold=3)
    rates = rates.set_index("groupe")
    # experimental: positive 3 (X0-X2), other 4 (X3-X5, Y1), en cours 0 → 3/7
    assert protected.table.loc[ev.POSITIVE_LABEL, ev.EXPERIMENTAL] == 3
    assert protected.table.loc["en cours", ev.EXPERIMENTAL] == 0
    assert rates.loc[ev.EXPERIMENTAL, "taux_sorties_positives"] == pytest.approx(3 / 7)
    lo, hi = ev.wilson_interval(3, 7)
    assert rates.loc[ev.EXPERIMENTAL, "ic_bas"] == pytest.approx(lo)
    # historical: positive 6, other 0, en cours 4 → 6/6
    assert rates.loc[ev.HISTORICAL, "taux_sorties_positives"] == pytest.approx(1.0)


def test_before_after_and_status():
    suivi = _fixture()
    table = ev.before_after(suivi, 2024, threshold=1).set_index("indicateur")
    # 2023: only nettoyage (50 h) → construction + cleaning share 1.0 ; 2024: BTP 800 h of 1380 h
    assert table.loc["part_construction_nettoyage", "avant"] == pytest.approx(1.0)
    assert table.loc["part_construction_nettoyage", "apres"] == pytest.approx(800 / 1380)
    assert pd.isna(table.loc["nombre_effectif_segments", "avant"])  # one segment in 2023
    assert table.loc["part_femmes", "apres"] == pytest.approx(7 / 17)  # 4 + 3 women of 17 participants
    assert "Pas encore assez" in ev.status_markdown(suivi, 5)
    assert "aucun marché" in ev.status_markdown(suivi.assign(experimental=False), 5)


def test_no_experimental_contract():
    suivi = _fixture().assign(experimental=False)
    assert ev.profile_comparison(suivi, 5).empty
    assert ev.new_companies(suivi).empty
    assert ev.before_after(suivi, 2024, 5).empty
    assert "impossible" in ev.key_figures(suivi, 2024, 5)


def test_the_change_of_a_share_is_in_points_and_one_column_holds_one_unit():
    """Issue 18.3: 1.0 → 800/1380 is −42,0 points (not « −42,0 % »); shares and numbers in separate columns."""
    from diversification.publish import report

    N, M = "\u202f", "\u2212"
    table = ev.before_after(_fixture(), 2024, threshold=1)
    rows = table.set_index("indicateur")
    assert rows.loc["part_construction_nettoyage", "unite"] == "part"
    assert rows.loc["part_construction_nettoyage", "evolution_points"] == pytest.approx((800 / 1380 - 1.0) * 100)
    assert pd.isna(rows.loc["part_construction_nettoyage", "evolution_nombre"])
    assert rows.loc["part_femmes", "evolution_points"] == pytest.approx(7 / 17 * 100)  # 0 of 1 in 2023, 7 of 17
    assert rows.loc["nombre_effectif_segments", "unite"] == "nombre"
    assert pd.isna(rows.loc["nombre_effectif_segments", "evolution_points"])  # a number: never in points
    assert "evolution" not in table.columns
    shown = ev.before_after_for_display(table).set_index("indicateur")["évolution"].tolist()
    assert shown == [f"{M}42,0{N}points", "—", f"+41,2{N}points"]
    spec = report.SECTION_TABLES["09"][0]
    html = report.format_table(table, spec)
    cells = [[c["text"] for c in row] for row in html["rows"]]
    assert cells[0][1:5] == [f"100,0{N}%", f"58,0{N}%", f"{M}42,0{N}points", "—"]
    assert cells[2][1:5] == [f"0,0{N}%", f"41,2{N}%", f"+41,2{N}points", "—"]
    assert not any("%" in row[3] for row in cells)  # report section 09: a change of a share is never in %
    sheets, formats = report.workbook_sheets({"evaluation_avant_apres": table})
    sheet = sheets[sheet_name("evaluation_avant_apres")]
    assert "Évolution d'une part (points)" in sheet.columns and "Évolution d'un nombre" in sheet.columns
    assert sheet["Évolution d'une part (points)"].iloc[0] == pytest.approx(-42.029, abs=1e-3)
    assert pd.isna(sheet["Évolution d'une part (points)"].iloc[1])
    assert sheet["Avant"].tolist() == [f"100,0{N}%", "—", f"0,0{N}%"]  # one row, one unit: as the report writes it
