"""Weight sliders: without a front-end, the panel table is exactly the library's table."""

import pandas as pd

from diversification.decisions import scoring as S
from diversification.publish import widgets as W


def raw_fixture():
    segs = S.load_criteria()  # real criteria: build a raw table with every raw column
    cols = sorted({c for cid in segs["critere_id"] for c in S.RAW_COLUMNS[cid]})
    data = {c: [float(i + j) % 4 for i in range(4)] for j, c in enumerate(cols)}
    return pd.DataFrame({"segment_id": ["a", "b", "c", "d"], "libelle": list("ABCD"), **data})


def test_default_path_is_the_library_table():
    raw = raw_fixture()
    weights = S.criteria_weights({})
    panel = W.weight_panel(raw, weights, top_n=2, seed=11)
    pd.testing.assert_frame_equal(panel.table, S.prioritise_segments(raw, weights, top_n=2, seed=11))
    assert list(panel.sliders) == list(weights.index)
    assert panel.current_weights().to_dict() == weights.to_dict()


def test_moving_a_slider_changes_only_the_explored_table():
    raw = raw_fixture()
    weights = S.criteria_weights({})
    panel = W.weight_panel(raw, weights, top_n=2, seed=11)
    before = panel.table.copy()
    panel.sliders["volume_achats"].value = 0.0
    explored = panel.recompute()
    expected = S.prioritise_segments(raw, weights.copy().where(weights.index != "volume_achats", 0.0), top_n=2, seed=11)
    pd.testing.assert_frame_equal(explored, expected)
    pd.testing.assert_frame_equal(panel.table, before)
    # the view under the sliders shows the explored ranking, not the saved one
    assert panel.view.value == W.explored_html(expected, 2) != W.explored_html(before, 2)
    assert "<th>libelle</th>" in panel.view.value
