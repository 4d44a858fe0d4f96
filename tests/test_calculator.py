"""The calculator's default path equals the batch result."""
import pandas as pd

from diversification.indicators import calculator, hours


def _targets():
    return pd.DataFrame({
        "id_achat": ["PA-1", "PA-2"], "objet": ["Nettoyage", "Repas"],
        "segment_id": ["nettoyage_locaux", "restauration"],
        "montant_estime_ht": [300_000.0, 90_000.0], "montant_min_ht": [90_000.0, None],
        "montant_max_ht": [400_000.0, None],
        "forme": ["accord-cadre à bons de commande", "marché ordinaire"], "duree_mois": [36, 4], "acheteur": ["B", "B"],
    })


def test_default_result_equals_batch_first_contract():
    targets = _targets()
    batch = hours.insertion_volumes(targets).iloc[0]
    calc = calculator.calculator(calculator.first_target(targets))
    for key in ("heures_classique", "heures_basse", "heures_centrale", "heures_haute", "heures_recommandees",
                "alertes", "regle_recommandation"):
        value = calc.result[key]
        assert (pd.isna(batch[key]) and value is None) or batch[key] == value, key
    # without a front-end the widgets keep their defaults: recomputing gives the same result
    assert calc.recompute() == calc.result
    assert calc.current_inputs() == calc.defaults


def test_widget_change_recomputes():
    calc = calculator.calculator(calculator.first_target(_targets()))
    calc.controls["etp_remplaces_ete"].value = 2.0
    result = calc.recompute()
    # 4 weeks × 2 FTE × 35 h × 0.5 = 140 h of summer replacements
    assert result["heures_remplacements_ete"] == 140
    assert calc.result["heures_remplacements_ete"] is None  # the default result is untouched
    assert "140 h" in calc.view.value  # the table under the widgets shows the new result
    calc.controls["part_main_oeuvre_min"].value = 1.0  # low share above the high one (0.9 for cleaning)
    calc.recompute()
    assert calc.view.value.startswith("<p>Valeurs incohérentes")


def test_generic_defaults_without_target():
    calc = calculator.calculator(calculator.first_target(pd.DataFrame()))
    assert calc.defaults.montant_ht == 200_000.0
    assert "générique" in calc.caption
    table = calculator.result_table(calc.result)
    assert len(table) == len(calculator.LABELS)
