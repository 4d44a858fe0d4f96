"""Weight sliders for the segment ranking (notebook 04, exploration in JupyterLab).

The panel shows one slider per criterion, initialised with the weights of the
configuration (defaults of the kit overridden by ``poids_criteres``). The
table kept in :attr:`WeightPanel.table` is always the ranking with those
initial weights, so a run without front-end (papermill, the annual report)
gives exactly :func:`diversification.scoring.prioritise_segments`; moving a
slider only refreshes the table shown under the sliders, for exploration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ipywidgets as w
import pandas as pd

from diversification import scoring


@dataclass
class WeightPanel:
    """Sliders, their output area, and the ranking computed with the initial weights."""

    raw: pd.DataFrame
    weights: pd.Series
    top_n: int
    seed: int
    table: pd.DataFrame
    sliders: dict[str, w.FloatSlider] = field(default_factory=dict)
    output: w.Output | None = None
    widget: w.Widget | None = None

    def current_weights(self) -> pd.Series:
        """Weights currently set by the sliders (the initial ones without a front-end)."""
        return pd.Series({k: float(s.value) for k, s in self.sliders.items()}, name="poids")

    def recompute(self, *_args) -> pd.DataFrame:
        """The ranking with the slider weights (exploration only; never written to the run)."""
        table = scoring.prioritise_segments(self.raw, self.current_weights(), top_n=self.top_n, seed=self.seed)
        if self.output is not None:
            self.output.clear_output(wait=True)
            with self.output:
                from IPython.display import display

                display(table[["rang", "libelle", "score", "proba_top_n", "retenu"]].head(max(self.top_n * 2, 10)))
        return table


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
    output = w.Output()
    panel = WeightPanel(raw=raw, weights=weights, top_n=top_n, seed=seed, table=table, sliders=sliders, output=output)
    for slider in sliders.values():
        slider.observe(panel.recompute, names="value")
    note = w.HTML("<i>Déplacez les curseurs pour explorer : le classement enregistré reste celui des poids "
                  "de la configuration.</i>")
    panel.widget = w.VBox([note, *sliders.values(), output])
    return panel
