"""Segment scoring (scoring.py): normalisation, weights, score, ranking and robustness by hand."""

import numpy as np
import pandas as pd
import pytest

from diversification.decisions import scoring as S
from diversification.inputs.errors import ConfigError

CRITERIA = pd.DataFrame({
    "critere_id": ["a", "b"],
    "libelle": ["A", "B"],
    "sens": ["hausse", "baisse"],
    "poids_defaut": [2.0, 1.0],
    "normalisation": ["min-max", "min-max inversé"],
})


@pytest.fixture(autouse=True)
def _raw_columns(monkeypatch):
    monkeypatch.setitem(S.RAW_COLUMNS, "a", ["a"])
    monkeypatch.setitem(S.RAW_COLUMNS, "b", ["b"])


def raw_fixture():
    return pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "libelle": ["S1", "S2", "S3"],
                         "a": [0.0, 5.0, 10.0], "b": [0.2, 0.6, np.nan]})


def test_min_max_directions_constant_and_missing():
    x = pd.Series([2.0, 4.0, 6.0, np.nan])
    assert S.min_max(x).tolist()[:3] == [0.0, 0.5, 1.0] and np.isnan(S.min_max(x).iloc[3])
    assert S.min_max(x, "baisse").tolist()[:3] == [1.0, 0.5, 0.0]
    assert S.min_max(pd.Series([3.0, 3.0])).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        S.min_max(x, "de côté")


def test_normalise_and_score_by_hand():
    norm = S.normalise_criteria(raw_fixture(), CRITERIA)
    # a: (0, 5, 10) → (0, .5, 1) ; b « baisse »: (0.2, 0.6, NA) → (1, 0, NA)
    assert norm["a"].tolist() == [0.0, 0.5, 1.0]
    assert norm["b"].tolist()[:2] == [1.0, 0.0] and np.isnan(norm.loc["s3", "b"])
    w = pd.Series({"a": 2.0, "b": 1.0})
    ranking = S.score_segments(norm, w).set_index("segment_id")
    # s1: (2·0 + 1·1)/3 = 1/3 ; s2: (2·0.5 + 0)/3 = 1/3 ; s3: only a measured → 2·1/2 = 1
    assert ranking["score"].to_dict() == pytest.approx({"s1": 1 / 3, "s2": 1 / 3, "s3": 1.0})
    # tie s1 / s2 broken by segment_id
    assert ranking["rang"].to_dict() == {"s3": 1, "s1": 2, "s2": 3}
    assert ranking.loc["s3", "criteres_non_mesures"] == "b"


def test_weights_from_configuration():
    w = S.criteria_weights({"b": 4}, CRITERIA)
    assert w.to_dict() == {"a": 2.0, "b": 4.0}
    with pytest.raises(ConfigError, match="« aa ».*Vouliez-vous dire « a »"):
        S.criteria_weights({"aa": 1}, CRITERIA)
    with pytest.raises(ConfigError, match="nombre positif"):
        S.criteria_weights({"a": -1}, CRITERIA)
    with pytest.raises(ConfigError, match="tous les poids sont nuls"):
        S.criteria_weights({"a": 0, "b": 0}, CRITERIA)


def test_real_criteria_table_and_closest_id():
    table = S.load_criteria()
    assert set(table["critere_id"]) == set(S.RAW_COLUMNS) - {"a", "b"}
    assert set(table["sens"]) == {"hausse", "baisse"}
    with pytest.raises(ConfigError, match="Vouliez-vous dire « volume_achats »"):
        S.criteria_weights({"volume_achat": 1})


def test_dominant_segment_has_probability_one_and_seed_is_reproducible():
    norm = pd.DataFrame({"a": [1.0, 0.2, 0.5, 0.0], "b": [1.0, 0.9, 0.1, 0.3]},
                        index=pd.Index(["d", "x", "y", "z"], name="segment_id"))
    w = pd.Series({"a": 1.0, "b": 1.0})
    p = S.top_n_probability(norm, w, top_n=1, n_draws=1000, seed=7)
    assert p["d"] == 1.0 and p.drop("d").sum() == 0.0
    p2 = S.top_n_probability(norm, w, top_n=2, n_draws=1000, seed=7)
    # x: 0.2a + 0.9b vs y: 0.5a + 0.1b: x wins while 0.8·wb > 0.3·wa, i.e. always with ±25 %
    assert p2.to_dict() == {"d": 1.0, "x": 1.0, "y": 0.0, "z": 0.0}
    assert p2.sum() == pytest.approx(2.0)


def test_probability_of_a_close_call_matches_hand_computation():
    # s: score (wa·1 + wb·0)/(wa+wb) ; t: (wa·0 + wb·1)/(wa+wb): s first iff wa·fa > wb·fb
    norm = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=pd.Index(["s", "t"], name="segment_id"))
    w = pd.Series({"a": 1.0, "b": 1.0})
    p = S.top_n_probability(norm, w, top_n=1, n_draws=1000, seed=3)
    rng = np.random.default_rng(3)
    f = rng.uniform(0.75, 1.25, size=(1000, 2))
    assert p["s"] == pytest.approx(np.mean(f[:, 0] >= f[:, 1]))  # ties → alphabetical: s
    assert 0.4 < p["s"] < 0.6
    again = S.top_n_probability(norm, w, top_n=1, n_draws=1000, seed=3)
    pd.testing.assert_series_equal(p, again)


def test_prioritise_segments_table():
    w = pd.Series({"a": 2.0, "b": 1.0})
    table = S.prioritise_segments(raw_fixture(), w, top_n=1, n_draws=200, seed=1, criteria=CRITERIA)
    assert list(table.columns) == ["segment_id", "libelle", "score", "rang", "proba_top_n", "retenu",
                                   "critere_a", "critere_b", "criteres_non_mesures"]
    assert table["segment_id"].tolist() == ["s3", "s1", "s2"]
    assert table["retenu"].tolist() == [True, False, False]
    assert table["proba_top_n"].tolist() == [1.0, 0.0, 0.0]  # s3: 1 against at most 0.5·2.5/... < 1
    again = S.prioritise_segments(raw_fixture(), w, top_n=1, n_draws=200, seed=1, criteria=CRITERIA)
    pd.testing.assert_frame_equal(table, again)


def test_job_seekers_by_segment_counts_each_cell_once():
    segments = pd.DataFrame({"segment_id": ["s1", "s2"], "codes_rome": ["K2204|K2202", "M1805"]})
    dem = pd.DataFrame({
        "annee": [2025, 2025, 2025, 2024],
        "sexe": ["F", "F", "H", "F"],
        "tranche_age": ["50 ans et plus", "26-49 ans", "50 ans et plus", "26-49 ans"],
        "code_rome": ["K2204", "K2202", "M1805", "M1805"],
        "effectif": [3, 4, 7, 100],
    })
    js = S.job_seekers_by_segment(dem, ["femmes", "seniors"], 2025, segments)
    # s1: 3 (woman and senior: counted once) + 4 = 7 ; s2: 7 (senior man) ; 2024 row ignored
    assert js.to_dict() == {"s1": 7.0, "s2": 7.0}
    assert S.job_seekers_by_segment(dem, [], 2025, segments).isna().all()


