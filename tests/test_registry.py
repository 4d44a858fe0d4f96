"""The decisions, each defined once: computed by one rule, published once, read back by every later phase."""

import pandas as pd
import pytest

from diversification.decisions import registry, scoring
from diversification.indicators import demand
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.publish import gate
from diversification.publish.study import COMPUTED_ORIGIN, PINNED_ORIGIN, open_study

METROPOLE = TERRITOIRES_DIR / "metropole-exemple"


@pytest.fixture(scope="module")
def explored():
    return open_study(METROPOLE, 2025)


def test_priority_publics_is_the_phase_02_rule(explored):
    decision = registry.priority_publics(explored)
    expected = demand.compute_priority_publics(explored.table("suivi_clauses"), explored.table("demandeurs_emploi"),
                                               2025, explored.threshold, explored.config.raw)
    pd.testing.assert_frame_equal(decision.drop(columns="origine"), expected)
    assert set(decision["origine"]) == {COMPUTED_ORIGIN}


def test_a_decision_is_published_once_then_read_back_from_the_run_folder(tmp_path):
    etude = open_study(METROPOLE, 2025, tmp_path)
    first = registry.priority_publics(etude)
    path = tmp_path / "tables" / "decision_publics_prioritaires.parquet"
    assert path.exists() and "tables/decision_publics_prioritaires.parquet" in gate.ledger(tmp_path)
    # a later phase reads the published table, whatever its own parameters would compute
    changed = first.assign(retenu=False)
    changed.to_parquet(path)
    again = registry.priority_publics(open_study(METROPOLE, 2025, tmp_path), seuil_indice=5.0)
    assert not again["retenu"].any()


def test_priority_segments_reads_the_published_publics(tmp_path):
    etude = open_study(METROPOLE, 2025, tmp_path)
    publics = registry.priority_publics(etude)
    segments = registry.priority_segments(etude)
    raw = scoring.criteria_from_study(etude, publics)
    expected = scoring.prioritise_segments(raw, scoring.criteria_weights(etude.config.get("poids_criteres")))
    pd.testing.assert_frame_equal(segments.drop(columns="origine"), expected)
    assert int(segments["retenu"].sum()) == scoring.DEFAULT_TOP_N
    assert registry.retained_segment_ids(etude) == scoring.retained_segments(segments)


def test_a_pinned_decision_wins_and_says_so(explored, monkeypatch):
    pins = {"segments_prioritaires": ["restauration", "informatique_numerique"]}
    monkeypatch.setitem(explored.config.raw, "decisions_epinglees", pins)
    segments = registry.priority_segments(explored)
    assert sorted(segments.loc[segments["retenu"], "segment_id"]) == ["informatique_numerique", "restauration"]
    assert set(segments["origine"]) == {PINNED_ORIGIN}


def test_every_decision_spec_names_a_declared_table():
    for spec in registry.DECISIONS.values():
        assert spec.table_name in gate.catalogue()
        assert registry.BY_PHASE[spec.phase] is spec
    assert "phase 04 (Secteurs prioritaires)" in registry.source_note("segments_prioritaires")
