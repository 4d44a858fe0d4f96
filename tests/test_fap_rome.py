"""``fap_rome.csv`` against the DARES tables (copies in ``tests/fixtures/dares``, see its README)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from diversification.inputs import samples
from diversification.inputs.referentiels import load_referentiel

DARES = Path(__file__).parent / "fixtures" / "dares"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DARES / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def fap() -> pd.DataFrame:
    return load_referentiel("fap_rome")


def _pairs(name: str) -> dict[tuple[str, str], set[str]]:
    table = _read(name)
    return {(f, r): set(q) for f, r, q in zip(table["code_fap"], table["code_rome"], table["qualifications"])}


def test_every_fap2009_row_is_a_dares_pair_with_official_labels(fap):
    rows = fap[fap["nomenclature"] == "FAP 2009"]
    pairs = _pairs("passage_rome_fap2009.csv")
    labels = dict(_read("libelles_fap2009.csv").values)
    rome = dict(_read("libelles_rome_v347.csv").values)
    assert len(rows) == 93
    wrong = [(f, r) for f, r in zip(rows["code_fap"], rows["code_rome"]) if (f, r) not in pairs]
    assert wrong == []
    assert [(f, l) for f, l in zip(rows["code_fap"], rows["libelle_fap"]) if labels[f] != l] == []
    # ROME labels of v3.47 (which writes « oeuvre »)
    assert [(r, l) for r, l in zip(fap["code_rome"], fap["libelle_rome"])
            if rome[r].replace("oeuvre", "œuvre") != l] == []


def test_fap2021_rows_follow_the_same_rome_at_the_same_qualifications(fap):
    """A FAP 2021 row for each family where the DARES classes the ROME code of a FAP 2009 row at (some of)
    the same qualification levels, with that row's segment and green flag; nothing else."""
    old, new = fap[fap["nomenclature"] == "FAP 2009"], fap[fap["nomenclature"] == "FAP 2021"]
    q2009, q2021 = _pairs("passage_rome_fap2009.csv"), _pairs("passage_rome_fap2021.csv")
    expected = {}
    for row in old.itertuples(index=False):
        for (family, rome), digits in q2021.items():
            if rome == row.code_rome and digits & q2009[(row.code_fap, rome)]:
                expected[(family, rome)] = (row.segment_id, row.transition_ecologique)
    found = {(f, r): (s, g) for f, r, s, g in zip(new["code_fap"], new["code_rome"], new["segment_id"],
                                                   new["transition_ecologique"])}
    assert found == expected
    assert len(new) == 137
    labels = dict(_read("libelles_fap2021.csv").values)
    assert [(f, l) for f, l in zip(new["code_fap"], new["libelle_fap"]) if labels[f] != l] == []
    # a hand-checked case: cleaning agents, FAP 2009 T4Z60 ↔ FAP 2021 T4X60, for both ROME codes
    assert set(new.loc[new["code_fap"] == "T4X60", "code_rome"]) == {"K2204", "K2202"}
    assert set(new.loc[new["code_fap"] == "T4X60", "segment_id"]) == {"nettoyage_locaux"}


def test_sample_bmo_trades_use_official_fap2009_codes_and_labels():
    labels = dict(_read("libelles_fap2009.csv").values)
    assert [(c, n) for c, n, *_ in samples.BMO_TRADES if labels.get(c) != n] == []


def test_sample_fap2021_trades_are_official_and_cross_the_reference_table(fap):
    """Each FAP 2021 trade of metropole-exemple's BMO file is an official family, found in the reference
    table with at least one segment of its FAP 2009 counterpart (R1Z61, attached to none, stays so)."""
    labels = dict(_read("libelles_fap2021.csv").values)
    for old, (new, name) in samples.BMO_TRADES_FAP2021.items():
        assert labels[new] == name, new
        before = set(fap.loc[(fap["nomenclature"] == "FAP 2009") & (fap["code_fap"] == old), "segment_id"])
        after = set(fap.loc[(fap["nomenclature"] == "FAP 2021") & (fap["code_fap"] == new), "segment_id"])
        assert (before & after) if before else not after, (old, new, before, after)
    assert set(samples.BMO_TRADES_FAP2021) == {c for c, *_ in samples.BMO_TRADES}
