"""Interactive insertion-hour calculator for one contract (notebook 08, exploration in JupyterLab).

The calculator starts from the default inputs of the first targeted contract
(:func:`diversification.indicators.hours.contract_inputs`), so its initial result
(:attr:`Calculator.result`) is exactly the batch result of that contract in
``volumes_insertion``. Under papermill or nbval the widgets are displayed but
nobody moves them: every value computed or written comes from the defaults.
Moving a widget only refreshes the result table under the widgets. The calculator itself writes
nothing: the « Retenir ce volume » button (:func:`diversification.publish.widgets.calculator_retainer`)
pins the changed inputs (:meth:`Calculator.changed_inputs`) as a hand choice in ``territoire.yaml``,
read by the next run (:mod:`diversification.inputs.hand_choices`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields

import ipywidgets as w
import pandas as pd

from diversification.indicators import hours
from diversification.inputs.schemas import PURCHASE_FORMS

#: Inputs of the calculator when no contract is targeted (a generic service contract; documented defaults).
GENERIC_CONTRACT = {
    "montant_estime_ht": 200_000.0,
    "segment_id": "autres_services",
    "forme": "marché ordinaire",
    "duree_mois": 12,
}

LABELS = {
    "heures_classique": "Méthode classique (montant × main-d'œuvre × taux ÷ coût horaire)",
    "heures_moyens_humains": "Moyens humains (ETP × mois × 151,67 h × part d'une recrue)",
    "heures_remplacements_ete": "Remplacements de congés d'été",
    "heures_basse": "Estimation basse (« à minima »)",
    "heures_centrale": "Estimation centrale",
    "heures_haute": "Estimation haute",
    "heures_recommandees": "Volume recommandé (sécurisé)",
    "regle_recommandation": "Règle appliquée",
    "alertes": "Alertes",
}


def default_inputs(first_target: pd.Series | dict | None, params: hours.HourParameters | None = None
                   ) -> tuple[hours.ContractInputs, str]:
    """Inputs of the first targeted contract (or of :data:`GENERIC_CONTRACT`) and a French caption."""
    params = params or hours.load_parameters()
    if first_target is None:
        return hours.contract_inputs(GENERIC_CONTRACT, params), (
            "Aucun marché ciblé : la calculatrice part d'un marché de services générique de 200 000 € HT sur 12 mois.")
    return hours.contract_inputs(first_target, params), (
        f"Valeurs de départ : marché {first_target['id_achat']} ({first_target.get('objet')}).")


def result_table(result: dict) -> pd.DataFrame:
    """The result of :func:`hours.estimate_contract` as a two-column French table."""
    rows = []
    for key, label in LABELS.items():
        value = result[key]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            shown = "—"
        elif isinstance(value, str):
            shown = value or "—"
        else:
            shown = f"{int(value)} h"
        rows.append({"element": label, "valeur": shown})
    return pd.DataFrame(rows)


@dataclass
class Calculator:
    """Widgets, their output area, and the result with the default inputs."""

    defaults: hours.ContractInputs
    params: hours.HourParameters
    caption: str
    result: dict
    controls: dict[str, w.Widget] = field(default_factory=dict)
    view: w.HTML | None = None
    widget: w.Widget | None = None
    #: The contract's own default inputs, when the calculator starts from inputs chosen by hand.
    base: hours.ContractInputs | None = None
    #: The « Retenir ce volume » button (:func:`diversification.publish.widgets.calculator_retainer`), if any.
    retainer: object = None

    def current_inputs(self) -> hours.ContractInputs:
        """Inputs currently set by the widgets (the defaults without a front-end)."""
        changes = {}
        for name, control in self.controls.items():
            value = control.value
            if name in ("montant_min_ht", "montant_max_ht"):
                value = float(value) if value and value > 0 else None
            changes[name] = value
        return hours.with_inputs(self.defaults, **changes)

    def changed_inputs(self) -> dict:
        """The inputs set by the widgets that differ from the contract's defaults (what « Retenir ce volume » pins)."""
        current, base = self.current_inputs(), self.base or self.defaults
        return {f.name: getattr(current, f.name) for f in fields(hours.ContractInputs)
                if getattr(current, f.name) != getattr(base, f.name) and getattr(current, f.name) is not None}

    def recompute(self, *_args) -> dict:
        """Result with the widget values (exploration only; never written to the run)."""
        try:
            result = hours.estimate_contract(self.current_inputs(), self.params)
        except ValueError as exc:
            result = None
            message = f"Valeurs incohérentes : {exc}"
        if self.view is not None:
            self.view.value = result_html(result) if result is not None else f"<p>{html.escape(message)}</p>"
        return result


def result_html(result: dict) -> str:
    """The result table as HTML, for the calculator's view."""
    return result_table(result).to_html(index=False, border=0)


def _controls(inputs: hours.ContractInputs) -> dict[str, w.Widget]:
    style, layout = {"description_width": "300px"}, w.Layout(width="560px")

    def number(value, description, step=1.0):
        return w.BoundedFloatText(value=float(value), min=0.0, max=3e9, step=step, description=description,
                                  style=style, layout=layout)

    def share(value, description):
        return w.FloatSlider(value=float(value), min=0.0, max=1.0, step=0.01, description=description,
                             continuous_update=False, style=style, layout=layout, readout_format=".2f")

    forms = list(PURCHASE_FORMS)
    if inputs.forme not in forms:
        forms.append(inputs.forme)
    return {
        "montant_ht": number(inputs.montant_ht, "Montant estimé (€ HT)", 1000.0),
        "montant_min_ht": number(inputs.montant_min_ht or 0.0, "Minimum garanti (€ HT, 0 = inconnu)", 1000.0),
        "montant_max_ht": number(inputs.montant_max_ht or 0.0, "Maximum (€ HT, 0 = inconnu)", 1000.0),
        "forme": w.Dropdown(options=forms, value=inputs.forme, description="Forme du marché", style=style,
                            layout=layout),
        "duree_mois": number(inputs.duree_mois, "Durée (mois)"),
        "part_main_oeuvre_min": share(inputs.part_main_oeuvre_min, "Part de main-d'œuvre basse"),
        "part_main_oeuvre_max": share(inputs.part_main_oeuvre_max, "Part de main-d'œuvre haute"),
        "etp": number(inputs.etp, "ETP affectés au marché (0 = non utilisé)", 0.5),
        "part_travail_recrue": share(inputs.part_travail_recrue, "Part du travail d'une nouvelle recrue"),
        "etp_remplaces_ete": number(inputs.etp_remplaces_ete, "ETP à remplacer l'été (0 = non utilisé)", 0.5),
        "semaines_conges_ete": number(inputs.semaines_conges_ete, "Semaines de congés d'été"),
        "part_remplacable": share(inputs.part_remplacable, "Part remplaçable des absences"),
        "groupement": w.Checkbox(value=bool(inputs.groupement), description="Réponse en groupement probable",
                                 style=style),
    }


def calculator(first_target: pd.Series | dict | None, params: hours.HourParameters | None = None,
               choices: dict | None = None) -> Calculator:
    """Build the calculator; ``calculator.result`` is the estimate with the default inputs: those of the contract,
    or those chosen by hand for it (``choices``, as in :func:`hours.insertion_volumes`), so that it is the row of
    the contract in ``volumes_insertion``."""
    params = params or hours.load_parameters()
    base, caption = default_inputs(first_target, params)
    inputs = base
    choice = None if first_target is None else (choices or {}).get(str(first_target["id_achat"]))
    if choice is not None:
        inputs = hours.chosen_inputs(base, choice.valeurs, str(first_target["id_achat"]))
        caption += f" Entrées {choice.sentence()}."
    result = hours.estimate_contract(inputs, params)
    controls = _controls(inputs)
    known = {f.name for f in fields(hours.ContractInputs)}
    assert set(controls) <= known
    # An HTML view, not an Output widget: capturing a display into an Output widget makes
    # nbclient (papermill, nbval) write to the kernel's shell channel while it waits for the
    # cell's reply, which sometimes loses that reply (jupyter/nbclient#312: a stall until the
    # cell timeout, seen on this cell).
    view = w.HTML(result_html(result))
    calc = Calculator(defaults=inputs, params=params, caption=caption, result=result, controls=controls, view=view,
                      base=base)
    for control in controls.values():
        control.observe(calc.recompute, names="value")
    note = w.HTML(f"<i>{html.escape(caption)} Modifiez les valeurs pour explorer : la table enregistrée reste celle "
                  "des valeurs de départ, sauf si vous cliquez « Retenir ce volume ».</i>")
    calc.widget = w.VBox([note, *controls.values(), view])
    return calc


def first_target(targets: pd.DataFrame) -> pd.Series | None:
    """First targeted contract, or None."""
    return None if targets.empty else targets.iloc[0]
