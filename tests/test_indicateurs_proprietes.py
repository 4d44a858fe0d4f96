"""Property-based tests of the indicator functions: any valid table → no crash, coherent values."""

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from diversification.indicators import concentration

SEGMENTS = ["btp_gros_oeuvre", "nettoyage_locaux", "restauration", "informatique_numerique", "blanchisserie_nettoyage_vetements"]

hours = st.lists(st.floats(0, 5000, allow_nan=False, allow_infinity=False), min_size=1, max_size=30).filter(
    lambda xs: sum(xs) > 0
)


@settings(max_examples=200, deadline=None)
@given(hours)
def test_hhi_between_one_over_n_and_one(values):
    positive = [v for v in values if v > 0]
    index = concentration.hhi(pd.Series(values))
    n = len(positive)
    assert 1 / n - 1e-9 <= index <= 1 + 1e-9
    effective = concentration.effective_number(index)
    assert 1 - 1e-9 <= effective <= n + 1e-9


@settings(max_examples=200, deadline=None)
@given(hours, st.integers(1, 10))
def test_top_share_is_a_share_and_grows_with_n(values, n):
    share = concentration.top_share(pd.Series(values), n)
    assert 0 < share <= 1 + 1e-9
    assert concentration.top_share(pd.Series(values), n + 1) >= share - 1e-12


rows = st.lists(
    st.tuples(st.sampled_from(SEGMENTS), st.integers(0, 40), st.floats(0, 2000, allow_nan=False), st.floats(0, 2000, allow_nan=False)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(rows)
def test_hours_by_segment_shares_sum_to_one(data):
    suivi = pd.DataFrame(
        {
            "annee": 2025,
            "segment": [r[0] for r in data],
            "participant_id": [f"P-{r[1]:020x}" for r in data],
            "heures_prevues": [r[2] for r in data],
            "heures_realisees": [r[3] for r in data],
            "acheteur_siret": "13001845000028",
            "entreprise_siret": "44090956200041",
        }
    )
    table = concentration.hours_by(suivi, "segment", annee=2025)
    total = sum(r[3] for r in data)
    assert set(table["cle"]) == {r[0] for r in data}
    assert math.isclose(float(table["heures_realisees"].sum()), total, rel_tol=1e-9, abs_tol=1e-6)
    if total > 0:
        assert math.isclose(float(table["part_heures"].sum()), 1.0, rel_tol=1e-9)
    assert int(table["participants"].sum()) >= len({r[1] for r in data})
