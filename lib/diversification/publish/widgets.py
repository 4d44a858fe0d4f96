"""Weight sliders for the segment ranking (notebook 04) and the « Retenir » buttons of notebooks 04 and 08.

The panel shows one slider per criterion, initialised with the weights of the
configuration (defaults of the kit overridden by ``poids_criteres`` and by the
weights chosen by hand). The table kept in :attr:`WeightPanel.table` is always
the ranking with those initial weights, so a run without front-end (papermill,
the annual report) gives exactly
:func:`diversification.decisions.scoring.prioritise_segments`; moving a slider
re-ranks the table shown under the sliders, live.

The button « Retenir ces pondérations » (and « Retenir ce volume » under the
calculator of notebook 08) pins the values shown, with the day and the comment
typed, in ``choix_a_la_main`` of the territory configuration (through the
publishing gate, :func:`diversification.publish.gate.write_territory_file`): the
next run of the phases and the next ``diversification etude`` use them, and the
report says that they were chosen by hand. Nobody clicks under papermill: the
configuration is then never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import html

import ipywidgets as w
import pandas as pd

from diversification.decisions import scoring
from diversification.inputs import hand_choices
from diversification.inputs.config import TerritoryConfig
from diversification.inputs.errors import KitError
from diversification.publish import gate


@dataclass
class WeightPanel:
    """Sliders, the view of the explored ranking, and the ranking computed with the initial weights."""

    raw: pd.DataFrame
    weights: pd.Series
    top_n: int
    seed: int
    table: pd.DataFrame
    sliders: dict[str, w.FloatSlider] = field(default_factory=dict)
    view: w.HTML | None = None
    widget: w.Widget | None = None
    config: TerritoryConfig | None = None
    retainer: Retainer | None = None

    def retain(self, comment: str | None = None, date: str | None = None) -> TerritoryConfig:
        """Pin the slider weights in the territory configuration (« Retenir ces pondérations »)."""
        values = {k: float(v) for k, v in self.current_weights().items()}
        return self.retainer.retain(values, comment=comment, date=date)

    def current_weights(self) -> pd.Series:
        """Weights currently set by the sliders (the initial ones without a front-end)."""
        return pd.Series({k: float(s.value) for k, s in self.sliders.items()}, name="poids")

    def recompute(self, *_args) -> pd.DataFrame:
        """The ranking with the slider weights (exploration only; never written to the run)."""
        table = scoring.prioritise_segments(self.raw, self.current_weights(), top_n=self.top_n, seed=self.seed)
        if self.view is not None:
            self.view.value = explored_html(table, self.top_n)
        return table


#: Columns of the explored ranking shown under the sliders.
SHOWN_COLUMNS = ["rang", "libelle", "score", "proba_top_n", "retenu"]


def explored_html(table: pd.DataFrame, top_n: int) -> str:
    """The first rows of a ranking as HTML, for the panel's view."""
    return table[SHOWN_COLUMNS].head(max(top_n * 2, 10)).to_html(index=False, border=0)


def weight_panel(raw: pd.DataFrame, weights: pd.Series, *, top_n: int = scoring.DEFAULT_TOP_N,
                 seed: int = 2025, maximum: float = 5.0, config: TerritoryConfig | None = None) -> WeightPanel:
    """Build the slider panel; ``panel.table`` is the ranking with ``weights`` (the configuration). With ``config``,
    the panel has the « Retenir ces pondérations » button."""
    criteria = scoring.load_criteria().set_index("critere_id")
    sliders = {
        cid: w.FloatSlider(value=float(weights[cid]), min=0.0, max=max(maximum, float(weights[cid])), step=0.5,
                           description=criteria.loc[cid, "libelle"], continuous_update=False,
                           style={"description_width": "260px"}, layout=w.Layout(width="520px"))
        for cid in weights.index
    }
    table = scoring.prioritise_segments(raw, weights, top_n=top_n, seed=seed)
    # An HTML view, not an Output widget (as the calculator's: a display captured into an Output widget
    # can stall a notebook run by nbclient, see engine.sliced_client_class)
    view = w.HTML(explored_html(table, top_n))
    panel = WeightPanel(raw=raw, weights=weights, top_n=top_n, seed=seed, table=table, sliders=sliders, view=view)
    for slider in sliders.values():
        slider.observe(panel.recompute, names="value")
    note = w.HTML("<i>Déplacez les curseurs : le classement ci-dessous se met à jour. Le classement enregistré reste "
                  "celui des poids de la configuration, sauf si vous cliquez « Retenir ces pondérations ».</i>")
    children = [note, *sliders.values(), view]
    if config is not None:
        panel.config = config
        panel.retainer = Retainer(config, hand_choices.WEIGHTS, "Retenir ces pondérations",
                                  lambda: {k: float(v) for k, v in panel.current_weights().items()})
        children.append(panel.retainer.widget)
    panel.widget = w.VBox(children)
    return panel


#: What the status line says after a click (French; ``{quoi}`` is « Pondérations » or « Volume du marché … »).
RETAINED_TEXT = ("{quoi} retenu(e)s le {date} dans {fichier} (« choix_a_la_main »). Relancez le notebook (Exécuter "
                 "tout) puis les phases suivantes, ou « diversification etude », pour que la décision les utilise ; "
                 "le rapport dira qu'elles ont été choisies à la main.")


class Retainer:
    """A comment field, a « Retenir » button and a status line that pin a hand choice in the configuration."""

    def __init__(self, config: TerritoryConfig, section: str, label: str, values, *, contract: str | None = None,
                 what: str = "Pondérations"):
        self.config, self.section, self.values, self.contract, self.what = config, section, values, contract, what
        self.comment = w.Text(value="", placeholder="Pourquoi ce choix (ex. comité de pilotage du 12 mars)",
                              description="Commentaire", style={"description_width": "120px"},
                              layout=w.Layout(width="520px"))
        self.button = w.Button(description=label, button_style="primary", icon="check",
                               layout=w.Layout(width="260px"))
        self.status = w.HTML("")
        self.button.on_click(lambda _b: self.retain())
        self.widget = w.VBox([self.comment, self.button, self.status])

    def retain(self, values: dict | None = None, *, comment: str | None = None, date: str | None = None
               ) -> TerritoryConfig:
        """Write the choice (``values``, by default those shown by the widgets); return the configuration read again."""
        values = self.values() if values is None else values
        comment = self.comment.value if comment is None else comment
        choice = hand_choices.HandChoice(date=date or hand_choices.today(), commentaire=str(comment).strip(),
                                         valeurs=dict(values))
        try:
            if not choice.valeurs:
                raise KitError("aucune valeur n'a été modifiée : rien à retenir.")
            block = hand_choices.with_choice(self.config, self.section, choice, self.contract)
            self.config = gate.write_territory_file(self.config, block)
        except KitError as exc:
            self.status.value = f"<p><b>Non retenu</b> : {html.escape(str(exc))}</p>"
            raise
        self.status.value = "<p>" + html.escape(RETAINED_TEXT.format(
            quoi=self.what, date=choice.date, fichier=self.config.path.name)) + "</p>"
        return self.config


def calculator_retainer(calc, config: TerritoryConfig, contract: str | None) -> w.Widget:
    """The calculator of notebook 08 with its « Retenir ce volume » button (pins the changed inputs for
    ``contract``); without a targeted contract, the calculator alone (nothing to pin)."""
    if config is None or not contract:
        return calc.widget
    retainer = Retainer(config, hand_choices.VOLUMES, "Retenir ce volume", calc.changed_inputs, contract=contract,
                        what=f"Entrées de la calculatrice du marché {contract}")
    calc.retainer = retainer
    return w.VBox([calc.widget, retainer.widget])
