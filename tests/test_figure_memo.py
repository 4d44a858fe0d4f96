"""Charts drawn once per study (issue 20.5): same-content inputs give the figure already drawn, a figure is
rendered to PNG once, and the report's chart files are byte-identical to a fresh drawing."""

import base64

import pandas as pd
import pytest

from diversification.indicators import figure_memo
from diversification.publish import charts, report


@pytest.fixture(autouse=True)
def _empty_memory():
    figure_memo.forget()
    yield
    figure_memo.forget()


def _table(share_b: float = 0.25) -> pd.DataFrame:
    return pd.DataFrame({"libelle": ["BTP", "Nettoyage"], "part": [0.75, share_b]})


def test_same_content_gives_the_chart_already_drawn():
    first = charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x", percent=True)
    # A copy read back from a file: another object, same columns, dtypes, index and values.
    again = charts.bar_chart(_table().copy(), "libelle", {"part": "Part"}, title="T", xlabel="x", percent=True)
    assert again is first


@pytest.mark.parametrize("change", [
    lambda t: t.assign(part=[0.75, 0.26]),             # one value
    lambda t: t.astype({"part": "Float64"}),           # a dtype
    lambda t: t.set_axis([5, 6]),                      # the index
    lambda t: t.rename(columns={"libelle": "nom"}).rename(columns={"nom": "libelle"}).iloc[::-1],  # the order
])
def test_any_difference_draws_a_new_chart(change):
    first = charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x")
    other = charts.bar_chart(change(_table()), "libelle", {"part": "Part"}, title="T", xlabel="x")
    assert other is not first


def test_other_arguments_draw_a_new_chart():
    first = charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x")
    assert charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="U", xlabel="x") is not first
    assert charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x", percent=True) is not first


def test_forget_drops_the_figures_of_the_previous_study():
    first = charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x")
    figure_memo.forget()
    assert charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x") is not first


def test_a_figure_is_rendered_once_and_as_the_report_renders_it(monkeypatch):
    chart = charts.bar_chart(_table(), "libelle", {"part": "Part"}, title="T", xlabel="x")
    calls = []
    original = chart.figure.savefig
    monkeypatch.setattr(chart.figure, "savefig", lambda *a, **k: calls.append(k) or original(*a, **k))
    shown = chart._repr_png_()  # the notebook shows it
    in_report = report.figure_png(chart)  # the report embeds it
    assert len(calls) == 1 and calls[0] == {"format": "png", "dpi": charts.CHART_DPI}

    assert base64.b64decode(in_report) == shown and shown[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_png_of_a_remembered_chart_equals_a_fresh_drawing():
    table = _table()
    shown = charts.bar_chart(table, "libelle", {"part": "Part"}, title="T", xlabel="x")._repr_png_()
    figure_memo.forget()
    fresh = charts.bar_chart(table, "libelle", {"part": "Part"}, title="T", xlabel="x")
    assert fresh.figure.get_dpi() and report.figure_png(fresh) == report.figure_png(
        charts.bar_chart(table, "libelle", {"part": "Part"}, title="T", xlabel="x"))

    assert base64.b64decode(report.figure_png(fresh)) == shown


def test_inputs_it_cannot_compare_are_drawn_each_time():
    calls = []

    @figure_memo.remembered
    def draw(value):
        calls.append(value)
        return object()

    marker = object()
    assert draw(marker) is not draw(marker)
    assert len(calls) == 2
    assert draw(3) is draw(3) and len(calls) == 3


def test_text_columns_as_object_or_strings_and_defaults_spelled_out_are_the_same_drawing():
    as_object = _table().astype({"libelle": object})
    as_strings = _table().astype({"libelle": "string"})
    first = charts.bar_chart(as_object, "libelle", {"part": "Part"}, title="T", xlabel="x", percent=False)
    assert charts.bar_chart(as_strings, "libelle", {"part": "Part"}, title="T", xlabel="x") is first
    # An object column holding numbers is not text: another drawing.
    numbers = _table().assign(libelle=pd.Series([1, 2], dtype=object))
    assert charts.bar_chart(numbers, "libelle", {"part": "Part"}, title="T", xlabel="x") is not first
