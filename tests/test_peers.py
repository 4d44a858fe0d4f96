"""Each territory among its peers (issue 20): indicators, peer group, median, quartiles and rank, computed by hand on
a small national fixture (the cleaned national table's columns)."""

import pandas as pd
import pytest

from diversification.indicators import peers


def _contract(buyer, name, dep, segment, social, amount=1000.0, reserved=False):
    return {"acheteur_id": buyer, "acheteur_nom": name, "departement": dep, "segment": segment,
            "consideration_sociale": "oui" if social else "non", "montant_final": amount, "montant_valide": True,
            "clause_sociale": social and not reserved, "critere_social": False, "marche_reserve": reserved}


def national_fixture() -> pd.DataFrame:
    """Nettoyage: 01 → 1 of 10 (0.1); 02 → 1 of 3 (one contract without place, buyer B2's other contracts are in 02);
    03 → 2 of 4 (0.5, one reserved); 04 → 0 of 5. BTP gros œuvre: 01 → 2 of 2. Totals: 01 = 12, 02 = 3, 03 = 4, 04 = 5."""
    rows = []
    rows += [_contract("B1", "Ville Alpha", "01", "nettoyage_locaux", i == 0, 5000.0 if i == 0 else 1000.0)
             for i in range(10)]
    rows += [_contract("B1", "Ville Alpha", "01", "btp_gros_oeuvre", True) for _ in range(2)]
    rows += [_contract("B2", "Hôpital Beta", "02", "nettoyage_locaux", True),
             _contract("B2", "Hôpital Beta", "02", "nettoyage_locaux", False),
             _contract("B2", "Hôpital Beta", None, "nettoyage_locaux", False)]
    rows += [_contract("B3", "Bailleur Gamma", "03", "nettoyage_locaux", i < 2, reserved=i == 0) for i in range(4)]
    rows += [_contract("B4", "Département Delta", "04", "nettoyage_locaux", False) for _ in range(5)]
    return pd.DataFrame(rows)


@pytest.fixture
def placed():
    return peers.attach_departments(national_fixture())


def test_department_of_a_contract_without_place_is_its_buyers(placed):
    row = placed.loc[placed["departement"].isna()].iloc[0]
    assert row["departement_retenu"] == "02"
    assert row["source_departement"] == peers.SOURCE_BUYER_DERIVED
    assert (placed.loc[placed["departement"].notna(), "source_departement"] == peers.SOURCE_PLACE).all()


def test_buyer_department_column_of_the_file_comes_first():
    table = national_fixture()
    table["acheteur_departement_code"] = table["acheteur_id"].map({"B2": "04"})
    placed = peers.attach_departments(table)
    row = placed.loc[placed["departement"].isna()].iloc[0]
    assert (row["departement_retenu"], row["source_departement"]) == ("04", peers.SOURCE_BUYER_FILE)


def test_department_segment_indicators_by_hand(placed):
    ind = peers.department_segment_indicators(placed).set_index(["departement", "segment"])
    one = ind.loc[("01", "nettoyage_locaux")]
    assert one["nb_marches"] == 10 and one["nb_avec_consideration"] == 1
    assert one["part_nb"] == pytest.approx(0.1)
    assert one["part_montant"] == pytest.approx(5000 / 14000)
    assert ind.loc[("02", "nettoyage_locaux"), "nb_marches"] == 3
    assert ind.loc[("03", "nettoyage_locaux"), "part_reserve"] == pytest.approx(0.25)


def test_concentration_by_hand(placed):
    conc = peers.department_concentration(peers.department_segment_indicators(placed)).set_index("departement")
    # 01: 1 contract with a consideration in cleaning, 2 in construction → all in the two groups; HHI = 1/9 + 4/9
    assert conc.loc["01", "part_travaux_nettoyage"] == pytest.approx(1.0)
    assert conc.loc["01", "nombre_effectif_segments"] == pytest.approx(1.8)
    assert pd.isna(conc.loc["04", "nombre_effectif_segments"])  # no contract with a social consideration


def test_rank_median_and_quartiles_among_all_departments(placed):
    ind = peers.department_segment_indicators(placed)
    pos = peers.peer_position(ind, "01", ["01", "02", "03", "04"]).set_index("segment")
    row = pos.loc["nettoyage_locaux"]
    # shares 0.1 (01), 1/3 (02), 0.5 (03), 0 (04): 01 is 3rd of 4; median (0.1 + 1/3) / 2
    assert (row["rang"], row["nb_departements"]) == (3, 4)
    assert row["mediane_pairs"] == pytest.approx((0.1 + 1 / 3) / 2)
    assert row["q1_pairs"] == pytest.approx(0.075)  # 0 + 0.75 × (0.1 − 0)
    assert row["q3_pairs"] == pytest.approx(1 / 3 + 0.25 * (0.5 - 1 / 3))
    btp = pos.loc["btp_gros_oeuvre"]
    assert (btp["rang"], btp["nb_departements"]) == (1, 1)


def test_positions_of_several_departments_at_once(placed):
    """peer_positions places each department among its own peers in one pass, as peer_position does one by one."""
    ind = peers.department_segment_indicators(placed)
    groups = {"02": ["01", "02", "03", "04"], "04": ["03", "04"], "03": ["01", "02"]}
    both = peers.peer_positions(ind, groups)
    assert list(both["departement"].unique()) == ["02", "04", "03"]
    clean = both.set_index(["departement", "segment"])
    # nettoyage_locaux shares 0.1 (01), 1/3 (02), 0.5 (03), 0 (04): 02 is 2nd of 4, 04 is 4th (2nd of its 2 peers)
    assert (clean.loc[("02", "nettoyage_locaux"), "rang"], clean.loc[("04", "nettoyage_locaux"), "rang"]) == (2, 4)
    assert clean.loc[("04", "nettoyage_locaux"), "rang_pairs"] == 2
    assert clean.loc[("04", "nettoyage_locaux"), "mediane_pairs"] == pytest.approx(0.25)  # (0.5 + 0) / 2
    # 03 outside its own peers list: its national rank stands, no rank among the peers
    assert clean.loc[("03", "nettoyage_locaux"), "rang"] == 1
    assert pd.isna(clean.loc[("03", "nettoyage_locaux"), "rang_pairs"])
    # 04 has no contract in construction: no value, no rank, the count of ranked departments still given
    btp = clean.loc[("04", "btp_gros_oeuvre")]
    assert pd.isna(btp["valeur"]) and pd.isna(btp["rang"]) and btp["nb_departements"] == 1
    for departement, group in groups.items():
        one = peers.peer_position(ind, departement, group)
        pd.testing.assert_frame_equal(one, both.loc[both["departement"] == departement]
                                      .drop(columns="departement").reset_index(drop=True))


def test_pairs_list_replaces_the_size_band(placed):
    ind = peers.department_segment_indicators(placed)
    totals = peers.department_totals(placed)
    group, how = peers.peer_group("01", totals, pairs=["03"])
    assert group == ["01", "03"] and "pairs" in how
    row = peers.peer_position(ind, "01", group).set_index("segment").loc["nettoyage_locaux"]
    assert row["mediane_pairs"] == pytest.approx(0.3)
    assert (row["rang_pairs"], row["nb_pairs_classes"]) == (2, 2)
    assert (row["rang"], row["nb_departements"]) == (3, 4)  # the national rank does not depend on the peers
    with pytest.raises(ValueError, match="99"):
        peers.peer_group("01", totals, pairs=["99"])


def test_size_band_from_the_reference_table(placed):
    totals = peers.department_totals(placed)
    # contracts: 02 = 3, 03 = 4, 04 = 5, 01 = 12 → positions 0, 1/3, 2/3, 1 in the ranking; tiers of bandes_pairs.csv
    bands = peers.size_bands(totals).set_index("departement")["bande"]
    assert bands.to_dict() == {"02": "petits", "03": "moyens", "04": "moyens", "01": "grands"}
    group, how = peers.peer_group("03", totals)
    assert group == ["03", "04"] and "bandes_pairs.csv" in how


def test_buyer_threshold_keeps_buyers_with_enough_contracts(placed):
    assert peers.buyer_threshold() == 20
    assert peers.buyer_threshold({"seuil_marches_acheteur_pairs": 4}) == 4
    buyers = peers.buyer_segment_indicators(placed, 5)
    assert sorted(buyers["acheteur_id"].unique()) == ["B1", "B4"]  # 12 and 5 contracts; B2 has 3, B3 has 4
    b1 = buyers.set_index(["acheteur_id", "segment"]).loc[("B1", "btp_gros_oeuvre")]
    assert (b1["acheteur_nom"], b1["departement"], b1["part_nb"]) == ("Ville Alpha", "01", 1.0)


def test_leading_peers_name_a_buyer_that_uses_social_considerations(placed):
    ind = peers.department_segment_indicators(placed)
    buyers = peers.buyer_segment_indicators(placed, 3)
    lead = peers.leading_peers(ind, buyers, "01", ["01", "02", "03", "04"], "nettoyage_locaux", top=2)
    assert list(lead["departement"]) == ["03", "02"]
    assert list(lead["acheteur_exemple"]) == ["Bailleur Gamma", "Hôpital Beta"]
    assert list(lead["marches_avec_consideration_acheteur"]) == [2, 1]
    # 04 has no contract with a social consideration in cleaning: never an example, even with room left
    everyone = peers.leading_peers(ind, buyers, "01", ["01", "02", "03", "04"], "nettoyage_locaux", top=5)
    assert list(everyone["departement"]) == ["03", "02"]
    # all segments at once: cleaning's rows as above; construction has no peer with a value (01 is the territory)
    every_segment = peers.leading_peers_by_segment(ind, buyers, "01", ["01", "02", "03", "04"], top=2)
    assert list(every_segment["segment"]) == ["nettoyage_locaux", "nettoyage_locaux"]
    pd.testing.assert_frame_equal(every_segment, lead)
    from_02 = peers.leading_peers_by_segment(ind, buyers, "02", ["01", "02", "03", "04"], top=1)
    assert list(zip(from_02["segment"], from_02["departement"], from_02["acheteur_exemple"])) == [
        ("btp_gros_oeuvre", "01", "Ville Alpha"), ("nettoyage_locaux", "03", "Bailleur Gamma")]


def _with_buyer_department(table):
    table = table.copy()
    table["acheteur_departement_code"] = table["acheteur_id"].map({"B2": "04"})
    return table


@pytest.mark.parametrize("make", [national_fixture, lambda: _with_buyer_department(national_fixture())],
                         ids=["lieu", "departement-acheteur"])
def test_indicators_from_partial_sums_are_those_of_the_contracts(make):
    """The cache computes the indicators from the contracts' partial sums by buyer, place and segment: every table is
    the one computed from the contracts (here 25 contracts become 6 rows; the names are the buyers' first ones)."""
    table = make()
    table.loc[0, "acheteur_nom"] = None  # B1's first contract has no name: its name is the next one published
    table.loc[1, "acheteur_nom"] = "Ville Alpha (ancien nom)"
    sums = peers.contract_sums(table)
    assert len(sums) == 6 and sums["nb_marches"].sum() == len(table)
    assert set(sums.loc[sums["acheteur_id"] == "B1", "acheteur_nom"]) == {"Ville Alpha (ancien nom)"}
    from_contracts, from_sums = peers.attach_departments(table), peers.attach_departments(sums)
    for compute in (peers.department_segment_indicators, peers.department_totals,
                    lambda placed: peers.buyer_segment_indicators(placed, 3),
                    lambda placed: peers.department_concentration(peers.department_segment_indicators(placed))):
        pd.testing.assert_frame_equal(compute(from_sums), compute(from_contracts))
    # read as the cache reads it (text columns as categoricals, categories not in sorted order)
    categorical = table.iloc[::-1].reset_index(drop=True)
    for column in peer_cache.DICTIONARY_COLUMNS:
        values = categorical[column]
        categorical[column] = pd.Categorical(values, categories=values.dropna().unique())  # as a Parquet dictionary
    assert list(categorical["departement"].cat.categories) == ["04", "03", "02", "01"]
    found = peer_cache.compute_peer_indicators(categorical)
    pd.testing.assert_frame_equal(found["departements"], peers.department_segment_indicators(from_contracts))
    assert list(found["totaux"]["departement"]) == ["01", "02", "03", "04"]
    assert found["totaux"].set_index("departement").loc["01", "nb_marches"] == 12


# --- cache of the national file, generated sample file, configuration -------------------------------------------------

from pathlib import Path  # noqa: E402

from diversification.indicators import peer_cache  # noqa: E402
from diversification.inputs import config as config_module  # noqa: E402
from diversification.inputs import samples  # noqa: E402
from diversification.inputs.paths import EXAMPLES_DIR  # noqa: E402

SAMPLE = EXAMPLES_DIR / "metropole-exemple" / samples.NATIONAL_FILE


def test_cache_is_keyed_by_the_file_hash(tmp_path, monkeypatch):
    source = tmp_path / "decp_national.csv"
    source.write_bytes(SAMPLE.read_bytes())
    first = peer_cache.national_peer_indicators(source, tmp_path / "cache")
    assert first.sha256 in peer_cache.peer_cache_paths(source, tmp_path / "cache")["totaux"].name
    assert len(first.totaux) == 101  # 100 generated departments and the territory's 99
    calls = []
    monkeypatch.setattr(peer_cache, "ingest_national", lambda *a, **k: calls.append(a) or (_ for _ in ()).throw(
        AssertionError("recomputed")))
    again = peer_cache.national_peer_indicators(source, tmp_path / "cache")
    pd.testing.assert_frame_equal(again.departements, first.departements)
    assert calls == []
    # another content: another hash, so the cache is not used
    source.write_bytes(SAMPLE.read_bytes().replace(b"Clause sociale", b"Pas de consid\xc3\xa9ration sociale", 1))
    with pytest.raises(AssertionError, match="recomputed"):
        peer_cache.national_peer_indicators(source, tmp_path / "cache")


def test_the_sample_territories_have_their_national_file():
    for name in ("metropole-exemple", "rural-exemple"):
        cfg = config_module.load_config(EXAMPLES_DIR / name)
        assert cfg.national_decp == EXAMPLES_DIR / name / samples.NATIONAL_FILE
        assert cfg.national_decp.is_file() and cfg.peers == []
        rows = cfg.national_decp.read_text(encoding="utf-8").count("\n") - 1
        assert 2000 < rows < 4000  # small enough for the tests


def test_pairs_in_the_configuration(tmp_path):
    text = (EXAMPLES_DIR / "rural-exemple" / "territoire.yaml").read_text(encoding="utf-8")
    (tmp_path / "territoire.yaml").write_text(text + 'pairs: ["35", 44]\n', encoding="utf-8")
    assert config_module.load_config(tmp_path).peers == ["35", "44"]
    (tmp_path / "territoire.yaml").write_text(text + "pairs: 35\n", encoding="utf-8")
    with pytest.raises(config_module.ConfigError, match="pairs"):
        config_module.load_config(tmp_path)


def test_section_of_the_sample_territory_and_without_national_file(tmp_path):
    from diversification.inputs.segments import segment_labels

    cfg = config_module.load_config(EXAMPLES_DIR / "metropole-exemple")
    out = peer_cache.study_peers(cfg, tmp_path, segment_labels())
    table = out[peers.TABLE_NAME].set_index("segment")
    # the national rank is recomputed from the distribution of all departments
    assert table.loc["btp_gros_oeuvre", "nb_departements"] > 50
    assert peers.table_for_display(out[peers.TABLE_NAME])["Rang national"].str.contains(" sur ").all()
    text = (EXAMPLES_DIR / "rural-exemple" / "territoire.yaml").read_text(encoding="utf-8")
    (tmp_path / "territoire.yaml").write_text(text.replace("decp_nationale:", "# decp_nationale:"), encoding="utf-8")
    note = peer_cache.study_peers(config_module.load_config(tmp_path), tmp_path, segment_labels())
    assert list(note) == [peers.NOTE_NAME] and "decp_nationale" in note[peers.NOTE_NAME]["remarque"][0]
