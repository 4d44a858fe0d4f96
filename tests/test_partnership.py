"""Partnership action plan and timeline."""
import datetime as dt

import pandas as pd

from diversification.decisions import partnership


def _structures():
    return pd.DataFrame({
        "siret": ["11111111111111", "22222222222222"], "nom": ["Tremplin Nettoyage", "Jardins Solidaires"],
        "type": ["EI", "ACI"], "secteurs": ["Nettoyage | Blanchisserie", "Espaces verts"],
        "commune": ["A", "B"], "departement": ["99", "99"], "capacite_etp": [10.0, 5.0],
    })


def test_quarters():
    assert partnership.quarter_start(2025, 1) == dt.date(2026, 1, 1)
    assert partnership.quarter_end(2025, 1) == dt.date(2026, 3, 31)
    assert partnership.quarter_start(2025, 5) == dt.date(2027, 1, 1)
    assert partnership.quarter_label(2025, 4) == "T4 2026"
    assert partnership.quarter_end(2025, 4) == dt.date(2026, 12, 31)


def test_action_plan_rows_and_owners():
    steps = partnership.plan_steps()
    plan = partnership.action_plan(["nettoyage_locaux", "espaces_verts"], 2025, _structures())
    assert len(plan) == 2 * len(steps)
    first = plan.iloc[0]
    assert first["etape"] == "Informer la fédération professionnelle"
    assert first["responsable"] == "facilitateur"
    assert first["debut"] == pd.Timestamp("2026-01-01") and first["fin"] == pd.Timestamp("2026-03-31")
    assert first["trimestres"] == "T1 2026"
    assert "FEP" in first["a_impliquer"]
    meeting = plan[(plan["segment_id"] == "nettoyage_locaux") & (plan["ordre"] == 2)].iloc[0]
    assert "Tremplin Nettoyage" in meeting["a_impliquer"] and "Jardins" not in meeting["a_impliquer"]
    owners = set(plan["responsable"])
    assert {"facilitateur", "acheteur"} <= owners
    # the post-hiring follow-up (T4 2026, 3 quarters) ends on 30/06/2027
    follow = plan[plan["ordre"] == 7].iloc[0]
    assert follow["trimestres"] == "T4 2026 – T2 2027" and follow["fin"] == pd.Timestamp("2027-06-30")


def test_action_plan_without_structures_says_so():
    plan = partnership.action_plan(["nettoyage_locaux"], 2025, None)
    meeting = plan[plan["ordre"] == 2].iloc[0]
    assert "aucune structure locale" in meeting["a_impliquer"]


def test_timeline_chart_table():
    figure, table = partnership.chart_timeline(2025)
    assert len(table) == len(partnership.plan_steps())
    assert table["debut"].min() == pd.Timestamp("2026-01-01")
    axes = figure.axes[0]
    assert axes.get_xlabel() == "Trimestre" and "Plan d'actions" in axes.get_title()
    assert len(axes.patches) == len(table)


def test_partners_summary_and_retained():
    summary = partnership.partners_summary(["nettoyage_locaux"], _structures())
    row = summary.iloc[0]
    assert row["federations"] == 1 and row["structures_inclusives_locales"] == 1
    decision = pd.DataFrame({"segment_id": ["b", "a", "c"], "rang": [2, 1, 3], "retenu": [True, True, False]})
    assert partnership.retained_segments(decision) == ["a", "b"]
    assert partnership.no_segment_note(decision) == ""
    assert "Aucun segment" in partnership.no_segment_note(decision.assign(retenu=False))
