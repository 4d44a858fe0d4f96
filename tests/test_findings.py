"""Rules of the « axes de progrès »: firing, not firing, missing indicator."""

import pandas as pd
import pytest

from diversification.indicators import findings as f

RULES = pd.DataFrame({
    "regle_id": ["R1", "R2", "R3"],
    "indicateur": ["part_construction_nettoyage", "nombre_effectif_segments", "indice_representation_femmes"],
    "comparaison": [">", "<", "<"],
    "seuil": ["0.8", "3", "0.5"],
    "format": ["pourcentage", "nombre", "nombre"],
    "constat": ["{valeur} des heures dans le BTP (seuil {seuil}).", "{valeur} segments effectifs (seuil {seuil}).",
                "Indice des femmes {valeur} (seuil {seuil})."],
    "justification": ["j1", "j2", "j3"],
    "statut": ["hypothèse"] * 3,
    "source": ["s"] * 3,
})


def _indicators(values: dict, reasons: dict | None = None):
    reasons = reasons or {}
    table = pd.DataFrame({
        "indicateur": list(values),
        "libelle": [f"Libellé {k}" for k in values],
        "valeur": pd.array(list(values.values()), dtype="Float64"),
        "unite": "nombre",
        "explication": [reasons.get(k, "") for k in values],
    })
    return table


def test_rules_fire_and_do_not_fire():
    table = f.evaluate_rules(_indicators({"part_construction_nettoyage": 0.82, "nombre_effectif_segments": 4.6,
                                          "indice_representation_femmes": 0.35}), RULES).set_index("regle_id")
    assert table.loc["R1", "declenchee"] == True  # noqa: E712 - nullable boolean
    assert table.loc["R1", "constat"] == "82\u202f% des heures dans le BTP (seuil 80\u202f%)."
    assert table.loc["R2", "declenchee"] == False  # noqa: E712
    assert table.loc["R2", "constat"].startswith("Règle R2 non déclenchée") and "4,6" in table.loc["R2", "constat"]
    assert table.loc["R3", "constat"] == "Indice des femmes 0,35 (seuil 0,5)."
    assert table.loc["R1", "seuil"] == 0.8


def test_threshold_itself_does_not_fire():
    # strict comparison: exactly 80 % is not above 80 %
    table = f.evaluate_rules(_indicators({"part_construction_nettoyage": 0.8}), RULES).set_index("regle_id")
    assert table.loc["R1", "declenchee"] == False  # noqa: E712


def test_missing_indicator_says_so_instead_of_firing():
    # one segment: HHI not computable ; representation of women not in the table at all
    indicators = _indicators({"part_construction_nettoyage": 1.0, "nombre_effectif_segments": None},
                             {"nombre_effectif_segments": "les heures relèvent d'un seul segment d'achat"})
    table = f.evaluate_rules(indicators, RULES).set_index("regle_id")
    assert pd.isna(table.loc["R2", "declenchee"]) and pd.isna(table.loc["R2", "valeur"])
    assert "non évaluée" in table.loc["R2", "constat"] and "un seul segment" in table.loc["R2", "constat"]
    assert pd.isna(table.loc["R3", "declenchee"])
    assert "n'est pas calculé" in table.loc["R3", "constat"]
    text = f.findings_markdown(f.evaluate_rules(indicators, RULES))
    assert "(R1) 100\u202f% des heures" in text and "Règle R2 non évaluée" in text


def test_malformed_rules_refused_in_french():
    bad = RULES.copy()
    bad.loc[0, "comparaison"] = "≈"
    with pytest.raises(ValueError, match="comparaison « ≈ » inconnue"):
        f.evaluate_rules(_indicators({}), bad)


def test_shipped_rules_are_valid_and_documented():
    rules = f.load_rules()
    assert rules["regle_id"].is_unique
    assert set(rules["statut"]) <= {"source", "hypothèse", "à vérifier"}
    assert (rules["source"].str.len() > 0).all() and (rules["justification"].str.len() > 0).all()
    by_id = rules.set_index("indicateur")
    assert by_id.loc["part_construction_nettoyage", "seuil"] == 0.8
    assert by_id.loc["nombre_effectif_segments", "seuil"] == 3
    assert by_id.loc["part_top5_entreprises", "seuil"] == 0.5
    assert by_id.loc["indice_representation_femmes", "seuil"] == 0.5
    assert len(f.rules_for_display()) == len(rules)


def test_format_value():
    assert f.format_value(0.825, "pourcentage") == "82\u202f%"
    assert f.format_value(3.0, "nombre") == "3"
    assert f.format_value(4.6019, "nombre") == "4,6"


def test_the_rules_shown_name_each_indicator_by_its_label():
    """The notebook's rules table names the indicator as the indicators table does (its ``libelle``); an indicator
    missing from that table keeps the label of the concentration indicators."""
    indicators = _indicators({"nombre_effectif_segments": 4.6, "indice_representation_femmes": 0.35}).assign(
        libelle=["Nombre effectif de segments (1 / IHH)", "Indice de représentation : femmes"])
    shown = f.rules_for_display(RULES, indicators)
    assert shown["indicateur"].tolist() == ["Part des heures dans le BTP et le nettoyage",
                                            "Nombre effectif de segments (1 / IHH)",
                                            "Indice de représentation : femmes"]
    assert shown["condition"].tolist() == ["> 80\u202f%", "< 3", "< 0,5"]
