import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversification.indicators.disclosure import (
    SECRET_LABEL,
    add_margins,
    check_no_small_counts,
    describe_rule,
    hide_derived,
    protect_crosstab,
    protect_frequencies,
)
from diversification.inputs.errors import ConfigError


def _hidden_cells(result):
    mask = result.hidden
    return sorted((str(i), str(c)) for i in mask.index for c in mask.columns if mask.loc[i, c])


# --- frequencies -------------------------------------------------------------------


def test_frequencies_primary_and_secondary():
    df = pd.DataFrame(
        {"statut": ["A", "B", "C"], "effectif": [12, 3, 9], "part": [0.5, 0.125, 0.375]}
    )
    result = protect_frequencies(df, "effectif", derived_cols=["part"])
    # B = 3 < 5 hidden; total 24 published, so C (9, smallest other non-zero) hidden too
    assert result.hidden["effectif"].tolist() == [False, True, True]
    assert result.hidden["part"].tolist() == [False, True, True]
    assert not result.hidden["statut"].any()
    assert result.table["effectif"].dtype == "Int64"
    assert result.table["part"].dtype == "Float64"
    assert result.table["effectif"].tolist()[0] == 12
    assert result.table["effectif"].isna().tolist() == [False, True, True]
    assert result.total_hidden is False
    shown = result.for_display()
    assert shown["effectif"].tolist() == [12, SECRET_LABEL, SECRET_LABEL]
    assert shown["part"].tolist() == [0.5, SECRET_LABEL, SECRET_LABEL]
    assert shown["statut"].tolist() == ["A", "B", "C"]
    # the input is untouched
    assert df["effectif"].tolist() == [12, 3, 9]


def test_frequencies_zero_shown_and_ties_by_position():
    df = pd.DataFrame({"effectif": [2, 0, 7, 7, 20]}, index=list("abcde"))
    result = protect_frequencies(df, "effectif")
    # a primary; the smallest other non-zero is 7, the first one (c) is chosen; zero shown
    assert result.hidden["effectif"].tolist() == [True, False, True, False, False]
    assert result.for_display()["effectif"].tolist() == [SECRET_LABEL, 0, SECRET_LABEL, 7, 20]


def test_frequencies_two_primary_cells_need_no_secondary():
    df = pd.DataFrame({"effectif": [1, 4, 10, 30]})
    result = protect_frequencies(df, "effectif")
    assert result.hidden["effectif"].tolist() == [True, True, False, False]


def test_frequencies_total_hidden_when_only_zeros_remain():
    df = pd.DataFrame({"effectif": [3, 0, 0]})
    result = protect_frequencies(df, "effectif")
    assert result.hidden["effectif"].tolist() == [True, False, False]
    assert result.total_hidden is True


def test_frequencies_with_total_row():
    df = pd.DataFrame(
        {"effectif": [12, 3, 9, 24], "heures": [1200.0, 300.5, 800.0, 2300.5]},
        index=["A", "B", "C", "Total"],
    )
    result = protect_frequencies(df, "effectif", derived_cols=["heures"], total_row="Total")
    assert result.hidden["effectif"].tolist() == [False, True, True, False]
    assert result.hidden["heures"].tolist() == [False, True, True, False]
    assert result.total_hidden is None
    # a total row that is not the sum is a programming error
    with pytest.raises(ValueError):
        protect_frequencies(df.assign(effectif=[12, 3, 9, 25]), "effectif", total_row="Total")


def test_frequencies_without_published_total_only_primary():
    df = pd.DataFrame({"effectif": [12, 3, 9]})
    result = protect_frequencies(df, "effectif", total=False)
    assert result.hidden["effectif"].tolist() == [False, True, False]
    assert result.total_hidden is None
    assert "total est publié" not in result.rule


def test_frequencies_threshold_from_configuration():
    df = pd.DataFrame({"effectif": [12, 6, 9, 11]})
    assert protect_frequencies(df, "effectif").n_hidden == 0
    result = protect_frequencies(df, "effectif", threshold=10)
    # 6 and 9 primary (two hidden cells): nothing more
    assert result.hidden["effectif"].tolist() == [False, True, True, False]
    assert "entre 1 et 9" in result.rule


@pytest.mark.parametrize("bad", [[1, -2], [1.5, 3], [1, None]])
def test_frequencies_refuse_invalid_counts(bad):
    with pytest.raises(ValueError):
        protect_frequencies(pd.DataFrame({"effectif": bad}), "effectif")


@pytest.mark.parametrize("threshold", [0, -1, 2.5, "5", True])
def test_invalid_threshold_is_a_config_error(threshold):
    with pytest.raises(ConfigError, match="seuil"):
        protect_frequencies(pd.DataFrame({"effectif": [1]}), "effectif", threshold=threshold)


def test_rule_sentence_is_french_and_names_the_threshold():
    rule = describe_rule(5)
    assert rule.startswith("Les effectifs compris entre 1 et 4 sont remplacés par « secret statistique »")
    assert "zéros sont affichés" in rule
    assert "masquées elles aussi" in rule


# --- cross-tables -------------------------------------------------------------------


def test_add_margins():
    counts = pd.DataFrame([[1, 2], [3, 4]], index=["F", "H"], columns=["x", "y"])
    out = add_margins(counts)
    assert out.loc["Total"].tolist() == [4, 6, 10]
    assert out["Total"].tolist() == [3, 7, 10]
    assert out.dtypes.eq("Int64").all()


def test_crosstab_rectangle():
    #        a   b   c | T
    #   x   10   2   8 | 20     b.x = 2 primary; row x -> c.x (8 < 10)
    #   y    7   9   6 | 22     column b -> b.y (9 < 12); column c -> c.y (6 < 13)
    #   z   11  12  13 | 36     row y then has two hidden cells: stable
    #   T   28  23  27 | 78
    counts = add_margins(
        pd.DataFrame([[10, 2, 8], [7, 9, 6], [11, 12, 13]], index=list("xyz"), columns=list("abc"))
    )
    result = protect_crosstab(counts)
    assert _hidden_cells(result) == [("x", "b"), ("x", "c"), ("y", "b"), ("y", "c")]
    assert result.table.loc["z"].tolist() == [11, 12, 13, 36]
    assert result.table.loc["Total"].tolist() == [28, 23, 27, 78]
    shown = result.for_display()
    assert shown.loc["x"].tolist() == [10, SECRET_LABEL, SECRET_LABEL, 20]


def test_crosstab_cascade_with_zeros_hides_totals():
    #        a   b | T
    #   x    2  10 | 12    a.x primary; row x -> b.x
    #   y    0   8 |  8    column a -> a.z (a.y is zero); column b -> b.y (b.z is zero)
    #   z    9   0 |  9    row y: only zeros beside b.y -> total T.y; row z -> T.z
    #   T   11  18 | 29
    counts = add_margins(pd.DataFrame([[2, 10], [0, 8], [9, 0]], index=list("xyz"), columns=list("ab")))
    result = protect_crosstab(counts)
    assert _hidden_cells(result) == [
        ("x", "a"),
        ("x", "b"),
        ("y", "Total"),
        ("y", "b"),
        ("z", "Total"),
        ("z", "a"),
    ]
    assert result.table.loc["y", "a"] == 0


def test_crosstab_from_pandas_margins_and_small_total():
    data = pd.DataFrame({"sexe": ["F", "F", "H"], "age": ["jeune", "senior", "senior"]})
    counts = pd.crosstab(data["sexe"], data["age"], margins=True, margins_name="Total")
    result = protect_crosstab(counts)
    # every non-zero count is below 5 (grand total 3): all hidden, the zero shown
    assert result.hidden.to_numpy().sum() == 8
    assert result.table.loc["H", "jeune"] == 0


def test_crosstab_derived_hours_and_shares_hidden():
    counts = add_margins(pd.DataFrame([[10, 2], [7, 9]], index=["F", "H"], columns=["BTP", "propreté"]))
    hours = pd.DataFrame(
        [[1000.0, 150.0, 1150.0], [700.0, 900.0, 1600.0], [1700.0, 1050.0, 2750.0]],
        index=counts.index,
        columns=counts.columns,
    )
    shares = (counts.div(counts.loc["Total", "Total"])).astype(float)
    result = protect_crosstab(counts, derived={"heures": hours, "part": shares})
    expected = [("F", "BTP"), ("F", "propreté"), ("H", "BTP"), ("H", "propreté")]
    assert _hidden_cells(result) == expected
    assert result.derived["heures"].loc["F"].isna().tolist() == [True, True, False]
    assert result.derived["heures"].loc["Total"].tolist() == [1700.0, 1050.0, 2750.0]
    assert result.derived["heures"].dtypes.eq("Float64").all()
    assert result.for_display("heures").loc["H", "BTP"] == SECRET_LABEL
    assert result.derived["part"].loc["H"].isna().tolist() == [True, True, False]


def test_crosstab_without_margins_primary_only():
    counts = pd.DataFrame([[10, 2], [7, 9]])
    result = protect_crosstab(counts, margins=False)
    assert result.hidden.to_numpy().tolist() == [[False, True], [False, False]]


def test_crosstab_refuses_wrong_margins():
    counts = pd.DataFrame([[10, 2, 12], [7, 9, 16], [17, 11, 29]])
    with pytest.raises(ValueError, match="totaux"):
        protect_crosstab(counts)


def test_protection_is_deterministic():
    counts = add_margins(pd.DataFrame([[3, 7, 7], [7, 3, 7], [7, 7, 3]]))
    first = protect_crosstab(counts)
    for _ in range(3):
        again = protect_crosstab(counts)
        assert again.hidden.equals(first.hidden)
        assert again.table.equals(first.table)


# --- hide_derived and scan ------------------------------------------------------------


def test_hide_derived_series_and_rows():
    mask = pd.Series([False, True, False], index=["a", "b", "c"])
    means = pd.Series([2.5, 3.0, 4.0], index=["a", "b", "c"])
    out = hide_derived(means, mask)
    assert out.isna().tolist() == [False, True, False]
    assert out.dtype == "Float64"
    frame = pd.DataFrame({"heures": [10, 20, 30], "part": [0.1, 0.2, 0.7]}, index=["a", "b", "c"])
    rows = hide_derived(frame, mask)
    assert rows.loc["b"].isna().all() and rows.loc["a"].notna().all()
    assert rows["heures"].dtype == "Int64"
    with pytest.raises(ValueError):
        hide_derived(means, mask.reset_index(drop=True))


def test_check_no_small_counts():
    df = pd.DataFrame({"effectif": [0, 3, 12, SECRET_LABEL, None], "heures": [1.0, 2.0, 3.0, 4.0, 5.0]})
    problems = check_no_small_counts(df, ["effectif"], 5)
    assert problems == [
        "colonne « effectif », ligne « 1 » : effectif 3 inférieur au seuil du secret statistique (5)"
    ]
    result = protect_frequencies(pd.DataFrame({"effectif": [0, 3, 12, 9]}), "effectif")
    assert check_no_small_counts(result.for_display(), ["effectif"], 5) == []
    assert check_no_small_counts(result.table, ["effectif"], 5) == []


# --- properties ----------------------------------------------------------------------

_counts = st.integers(min_value=0, max_value=40) | st.integers(min_value=0, max_value=6)


@st.composite
def _tables(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    cells = draw(st.lists(st.lists(_counts, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(cells), draw(st.integers(2, 10))


def _lines(hidden: np.ndarray):
    """(hidden flags of the members, hidden flag of the total) of every line with margins."""
    for i in range(hidden.shape[0]):
        yield hidden[i, :-1], hidden[i, -1]
    for j in range(hidden.shape[1]):
        yield hidden[:-1, j], hidden[-1, j]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tables())
def test_property_crosstab(case):
    interior, threshold = case
    counts = add_margins(interior)
    result = protect_crosstab(counts, threshold)
    values = counts.to_numpy(dtype=int)
    hidden = result.hidden.to_numpy(dtype=bool)
    published = values[~hidden]
    assert not ((published >= 1) & (published < threshold)).any()
    assert not (hidden & (values == 0)).any()  # zeros are never hidden
    for members, total in _lines(hidden):
        # a line with a published total never has exactly one hidden cell
        assert total or members.sum() != 1
        assert members.sum() + total != 1
    assert check_no_small_counts(result.for_display(), list(result.table.columns), threshold) == []
    assert result.table.isna().to_numpy().tolist() == hidden.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(_counts, min_size=1, max_size=8), st.integers(2, 10))
def test_property_frequencies(cells, threshold):
    df = pd.DataFrame({"effectif": cells})
    result = protect_frequencies(df, "effectif", threshold)
    hidden = result.hidden["effectif"].to_numpy(dtype=bool)
    values = np.array(cells)
    published = values[~hidden]
    assert not ((published >= 1) & (published < threshold)).any()
    assert not (hidden & (values == 0)).any()
    assert result.total_hidden or hidden.sum() != 1
    if sum(cells) >= threshold and hidden.sum() != 1:
        assert not result.total_hidden
