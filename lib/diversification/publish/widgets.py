"""Weight sliders for the segment ranking (notebook 04, exploration in JupyterLab).

The panel shows one slider per criterion, initialised with the weights of the
configuration (defaults of the kit overridden by ``poids_criteres``). The
table kept in :attr:`WeightPanel.table` is always the ranking with those
initial weights, so a run without front-end (papermill, the annual report)
gives exactly :func:`diversification.decisions.scoring.prioritise_segments`; moving a
slider only refreshes the table shown under the sliders, for exploration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as w
import pandas as pd

from diversification.decisions import scoring


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
                 seed: int = 2025, maximum: float = 5.0) -> WeightPanel:
    """Build the slider panel; ``panel.table`` is the ranking with ``weights`` (the configuration)."""
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
    note = w.HTML("<i>Déplacez les curseurs pour explorer : le classement enregistré reste celui des poids "
                  "de la configuration.</i>")
    panel.widget = w.VBox([note, *sliders.values(), view])
    return panel
