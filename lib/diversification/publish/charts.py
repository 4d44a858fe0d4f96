"""Small, generic chart helpers shared by the phase notebooks.

Each helper builds a matplotlib :class:`~matplotlib.figure.Figure` without
pyplot (no global state, no GUI backend) and returns a :class:`Chart`: the
figure plus the exact table it plots, so tests can check what is drawn. Rows
whose value is missing (hidden by the statistical-disclosure control) are left
out of the chart and counted in a French note under it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from diversification.indicators import demand, evaluation
from diversification.indicators.disclosure import DisclosedTable
from diversification.indicators.figure_memo import png_bytes, remembered

HIDDEN_NOTE = "{n} valeur(s) masquée(s) par le secret statistique, non représentée(s)."
#: Resolution of every chart the kit renders (report, run folder and notebooks alike: one rendering each).
CHART_DPI = 90


@dataclass
class Chart:
    """A figure and the table it plots (displayed as PNG in a notebook)."""

    figure: Figure
    table: pd.DataFrame
    note: str = ""

    def _repr_png_(self) -> bytes:
        return show_figure_png(self.figure)


def show_figure_png(figure) -> bytes:
    """PNG of a figure shown in a notebook (a :class:`Chart`, or a bare matplotlib figure: registered for
    :class:`~matplotlib.figure.Figure` by :mod:`diversification.run.engine`): the report's rendering (same
    resolution, no tight box), kept on the figure, so that the notebook and the report draw it once."""
    return png_bytes(figure, CHART_DPI)


def _new_figure(height: float, width: float = 8.0) -> Figure:
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _visible(table: pd.DataFrame, value_cols: list[str]) -> tuple[pd.DataFrame, int]:
    keep = table[value_cols].notna().all(axis=1)
    return table.loc[keep].reset_index(drop=True), int((~keep).sum())


def _finish(figure: Figure, n_hidden: int) -> str:
    note = HIDDEN_NOTE.format(n=n_hidden) if n_hidden else ""
    if note:
        figure.text(0.01, 0.005, note, fontsize=8, style="italic", ha="left", va="bottom")
    figure.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
    return note


@remembered
def bar_chart(
    table: pd.DataFrame,
    label_col: str,
    value_cols: dict[str, str],
    *,
    title: str,
    xlabel: str,
    percent: bool = False,
) -> Chart:
    """Horizontal bars, one group per row of ``table`` (in the table's order, first on top).

    ``value_cols`` maps a column to its French legend label (one entry: plain
    bars; several: grouped bars). ``percent=True`` formats shares (0–1) as %.
    """
    cols = list(value_cols)
    shown, n_hidden = _visible(table[[label_col, *cols]], cols)
    figure = _new_figure(height=max(2.5, 0.45 * len(shown) * max(1, len(cols) * 0.7) + 1.2))
    axes = figure.add_subplot()
    if shown.empty:
        axes.text(0.5, 0.5, "Aucune valeur publiable", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
    else:
        height = 0.8 / len(cols)
        positions = range(len(shown))
        for k, col in enumerate(cols):
            offsets = [p - 0.4 + height * (k + 0.5) for p in positions]
            axes.barh(offsets, shown[col].astype(float), height=height, label=value_cols[col])
        axes.set_yticks(list(positions), labels=[str(v) for v in shown[label_col]])
        axes.invert_yaxis()
        if percent:
            axes.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        if len(cols) > 1:
            axes.legend(loc="lower right")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    note = _finish(figure, n_hidden)
    return Chart(figure, shown, note)


@remembered
def line_chart(
    table: pd.DataFrame,
    x_col: str,
    value_cols: dict[str, str],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    percent: bool = False,
) -> Chart:
    """One line per column of ``value_cols`` (French legend labels) against ``x_col``."""
    cols = list(value_cols)
    shown = table[[x_col, *cols]].sort_values(x_col).reset_index(drop=True)
    figure = _new_figure(height=4.0)
    axes = figure.add_subplot()
    for col in cols:
        values = shown[col].astype("Float64").astype(float)
        axes.plot(shown[x_col].astype(int), values, marker="o", label=value_cols[col])
    axes.set_xticks(shown[x_col].astype(int).tolist())
    if percent:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if len(cols) > 1:
        axes.legend()
    n_hidden = int(shown[cols].isna().any(axis=1).sum())
    note = _finish(figure, n_hidden)
    return Chart(figure, shown, note)


# --- the charts of the phases (tables of the indicators layer in, Chart out) ----------------------

def hours_by_segment(protected: DisclosedTable) -> Chart:
    """Bar chart of the share of realised hours by segment (hidden rows left out)."""
    return bar_chart(
        protected.table,
        "libelle",
        {"part_heures": "Part des heures réalisées"},
        title="Répartition des heures d'insertion réalisées par segment d'achat",
        xlabel="Part des heures réalisées",
        percent=True,
    )


def concentration_trend(trend: pd.DataFrame) -> Chart:
    """Line chart of the construction + cleaning share and the top-5 share by year."""
    return line_chart(
        trend,
        "annee",
        {
            "part_construction_nettoyage": "BTP et nettoyage",
            "part_top5_entreprises": "5 premières entreprises",
        },
        title="Concentration des heures d'insertion par année",
        xlabel="Année",
        ylabel="Part des heures réalisées",
        percent=True,
    )


def representation(table: pd.DataFrame) -> Chart:
    """Shares among participants and job seekers, per public (hidden values left out, and the publics not
    measurable with the job-seeker table given: they are not secret)."""
    if "explication" in table.columns:
        table = table[~table["explication"].astype(str).str.startswith(demand.UNMEASURABLE)]
    return bar_chart(
        table,
        "libelle",
        {"part_participants": "Participants des clauses", "part_demandeurs": "Demandeurs d'emploi"},
        title="Part de chaque public : participants et demandeurs d'emploi",
        xlabel="Part de l'effectif",
        percent=True,
    )


def jobseekers_by_segment(protected: DisclosedTable, top: int = 10) -> Chart:
    """Job seekers of the priority publics by segment (first ``top`` segments with job seekers)."""
    table = protected.table
    counts = table["demandeurs_publics_prioritaires"]
    measurable = counts.notna() | protected.hidden["demandeurs_publics_prioritaires"]  # missing and not hidden: not measurable
    table = table[measurable & (counts.fillna(1) > 0)].head(top)
    return bar_chart(
        table,
        "libelle",
        {"demandeurs_publics_prioritaires": "Demandeurs d'emploi des publics prioritaires"},
        title="Demandeurs d'emploi des publics prioritaires cherchant un métier du segment",
        xlabel="Nombre de demandeurs d'emploi",
    )


def evaluation_profiles(table: pd.DataFrame) -> Chart:
    """Grouped bars of the shares by indicator (hidden shares left out)."""
    wide = table.pivot(index="libelle", columns="groupe", values="part").reset_index()
    order = [evaluation.INDICATORS[k][0] for k in evaluation.INDICATORS]
    wide = wide.set_index("libelle").reindex(order).reset_index()
    for name in (evaluation.EXPERIMENTAL, evaluation.HISTORICAL):
        if name not in wide.columns:
            wide[name] = pd.NA
    return bar_chart(wide, "libelle", {evaluation.EXPERIMENTAL: evaluation.EXPERIMENTAL, evaluation.HISTORICAL: evaluation.HISTORICAL},
                            title="Profil des participants : clauses expérimentales et segments historiques",
                            xlabel="Part des participants", percent=True)


def participant_profile(protected: DisclosedTable, dimension: str = "Sexe") -> Chart:
    """Shares of participants and job seekers for one dimension (French title of the dimension)."""
    table = protected.table[protected.table["dimension"] == dimension]
    return bar_chart(
        table,
        "modalite",
        {"part_participants": "Participants des clauses", "part_demandeurs": "Demandeurs d'emploi"},
        title=f"{dimension} : participants des clauses et demandeurs d'emploi",
        xlabel="Part de l'effectif",
        percent=True,
    )
