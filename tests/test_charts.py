"""charts: the figure and the exact table it plots; hidden values left out and counted in a French note."""

import pandas as pd
from matplotlib.ticker import PercentFormatter

from diversification.publish import charts


def _table():
    return pd.DataFrame({"segment": ["BTP", "Nettoyage", "Restauration", "Espaces verts"],
                         "heures": pd.array([500.0, None, 200.0, 50.0], dtype="Float64"),
                         "part": pd.array([0.5, 0.2, None, 0.05], dtype="Float64")})


def test_bar_chart_leaves_out_hidden_rows_and_says_how_many():
    chart = charts.bar_chart(_table(), "segment", {"heures": "Heures"}, title="Heures par segment", xlabel="heures")
    assert chart.table["segment"].tolist() == ["BTP", "Restauration", "Espaces verts"]
    assert chart.table["heures"].tolist() == [500.0, 200.0, 50.0]
    assert chart.note == "1 valeur(s) masquée(s) par le secret statistique, non représentée(s)."
    axes = chart.figure.axes[0]
    assert [round(p.get_width(), 6) for p in axes.patches] == [500.0, 200.0, 50.0]
    assert [t.get_text() for t in axes.get_yticklabels()] == ["BTP", "Restauration", "Espaces verts"]
    assert axes.yaxis_inverted()  # first row on top
    assert axes.get_title() == "Heures par segment" and axes.get_xlabel() == "heures"
    assert any(t.get_text() == chart.note for t in chart.figure.texts)


def test_grouped_bars_drop_a_row_hidden_in_any_column_and_format_percent():
    chart = charts.bar_chart(_table(), "segment", {"heures": "Heures", "part": "Part"}, title="t", xlabel="x",
                             percent=True)
    assert chart.table["segment"].tolist() == ["BTP", "Espaces verts"]
    assert chart.note.startswith("2 valeur(s)")
    axes = chart.figure.axes[0]
    assert len(axes.patches) == 4  # two groups of two bars
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["Heures", "Part"]
    assert isinstance(axes.xaxis.get_major_formatter(), PercentFormatter)


def test_bar_chart_without_any_publishable_value():
    table = pd.DataFrame({"segment": ["A"], "heures": pd.array([None], dtype="Float64")})
    chart = charts.bar_chart(table, "segment", {"heures": "Heures"}, title="t", xlabel="x")
    assert chart.table.empty and chart.note.startswith("1 valeur(s)")
    assert any(t.get_text() == "Aucune valeur publiable" for t in chart.figure.axes[0].texts)


def test_no_note_when_nothing_is_hidden():
    table = pd.DataFrame({"segment": ["A", "B"], "heures": [1.0, 2.0]})
    chart = charts.bar_chart(table, "segment", {"heures": "Heures"}, title="t", xlabel="x")
    assert chart.note == "" and chart.figure.texts == []


def test_line_chart_sorts_the_years_and_counts_hidden_points():
    table = pd.DataFrame({"annee": [2025, 2023, 2024], "part": pd.array([0.3, 0.5, None], dtype="Float64")})
    chart = charts.line_chart(table, "annee", {"part": "Part BTP"}, title="Tendance", xlabel="année",
                              ylabel="part", percent=True)
    assert chart.table["annee"].tolist() == [2023, 2024, 2025]
    line = chart.figure.axes[0].lines[0]
    assert list(line.get_xdata()) == [2023, 2024, 2025]
    ys = list(line.get_ydata())
    assert ys[0] == 0.5 and ys[2] == 0.3 and pd.isna(ys[1])
    assert chart.note.startswith("1 valeur(s)")
    assert chart.figure.axes[0].get_legend() is None  # one line: no legend


def test_chart_displays_as_png():
    chart = charts.bar_chart(pd.DataFrame({"s": ["A"], "v": [1.0]}), "s", {"v": "V"}, title="t", xlabel="x")
    assert chart._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
