"""CPV → segment mapping (diversification.inputs.segments)."""

from __future__ import annotations

import pandas as pd
import pytest

from diversification.inputs.referentiels import CPV_DIVISIONS, load_referentiel
from diversification.inputs.segments import (
    map_cpv_series,
    nature_for_cpv,
    segment_for_cpv,
    segment_for_sector,
    segment_labels,
)

# Representative codes used by the sample-data generator: they must keep their segment.
REPRESENTATIVE = {
    "btp_gros_oeuvre": ["45210000", "45223000", "45262000"],
    "btp_second_oeuvre": ["45310000", "45330000", "45420000", "45440000", "45430000"],
    "btp_vrd_travaux_publics": ["45230000", "45233000", "45232400", "45112000"],
    "espaces_verts": ["77310000", "77311000", "45112710"],
    "nettoyage_locaux": ["90910000", "90911200", "90919200"],
    "prestations_intellectuelles": ["79410000", "79311000", "71000000", "79110000", "73000000"],
    "informatique_numerique": ["72000000", "72212000", "48000000", "72500000"],
    "dechets_proprete_urbaine": ["90500000", "90511000", "90610000", "90512000"],
    "communication_media_culture": [
        "79340000", "79341000", "92100000", "92111000", "79822500", "79530000", "79540000", "92500000",
    ],
    "fournitures": ["39100000", "37520000", "09130000", "30190000", "30200000", "33600000", "15000000"],
    "transports_mobilites": ["60100000", "60112000", "60130000"],
    "services_entreprises_particuliers": ["98000000", "79990000", "92610000", "70330000"],
    "securite_gardiennage": ["79710000", "79713000"],
    "portage_repas": ["55521100"],
    "restauration": ["55300000", "55520000", "55523100"],
    "blanchisserie_nettoyage_vetements": ["98310000", "98311000", "98315000"],
    "administratif_impression_numerisation": [
        "79800000", "79810000", "79500000", "79512000", "79999100", "22000000",
    ],
    "periscolaire_animation": ["80110000", "85312110"],
    "maintenance_reparation": ["50000000", "50700000"],
    "sante_action_sociale": ["85000000", "85300000"],
    "autres_services": ["64000000", "66000000", "75000000"],
}
CASES = [(code, segment) for segment, codes in REPRESENTATIVE.items() for code in codes]


@pytest.mark.parametrize(("code", "segment"), CASES)
def test_representative_code_maps_to_its_segment(code, segment):
    assert segment_for_cpv(code) == segment


def test_every_segment_has_a_representative_code():
    assert set(REPRESENTATIVE) == set(segment_labels())


@pytest.mark.parametrize("division", CPV_DIVISIONS)
def test_every_division_has_a_catch_all(division):
    table = load_referentiel("cpv_segments")
    row = table[table["prefixe_cpv"] == division]
    assert len(row) == 1
    # A code of the division that no longer prefix matches falls back on the catch-all.
    longer = [p for p in table["prefixe_cpv"] if p.startswith(division) and p != division]
    candidates = [division + tail for tail in ("000000", "999999", "555555", "888888", "111111")]
    code = next(c for c in candidates if not any(c.startswith(p) for p in longer))
    assert segment_for_cpv(code) == row["segment_id"].iloc[0]


def test_longest_prefix_wins():
    # 45 → gros œuvre, 451 → VRD, 451127 → espaces verts.
    assert segment_for_cpv("45000000") == "btp_gros_oeuvre"
    assert segment_for_cpv("45111000") == "btp_vrd_travaux_publics"
    assert segment_for_cpv("45112700") == "espaces_verts"
    # 79 → prestations intellectuelles, 799 → services, 799991 → numérisation.
    assert segment_for_cpv("79000000") == "prestations_intellectuelles"
    assert segment_for_cpv("79999000") == "services_entreprises_particuliers"
    assert segment_for_cpv("79999100") == "administratif_impression_numerisation"
    # 4522 → VRD but 45223 → gros œuvre.
    assert segment_for_cpv("45221000") == "btp_vrd_travaux_publics"
    assert segment_for_cpv("45223100") == "btp_gros_oeuvre"


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("45000000-7", "btp_gros_oeuvre"),
        ("45000000", "btp_gros_oeuvre"),
        ("90910000-9", "nettoyage_locaux"),
        (" 55521100 ", "portage_repas"),
        (72000000, "informatique_numerique"),
        (45310000.0, "btp_second_oeuvre"),
    ],
)
def test_with_and_without_check_digit(code, segment):
    assert segment_for_cpv(code) == segment


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("4521000", "8 chiffres"),
        ("452100000", "8 chiffres"),
        ("45A10000", "8 chiffres"),
        ("45210000-12", "8 chiffres"),
        ("", "manquant"),
        (None, "manquant"),
        ("99000000", "division 99"),
        ("01000000", "division 01"),
    ],
)
def test_invalid_code_raises_french_error(code, fragment):
    with pytest.raises(ValueError, match=fragment):
        segment_for_cpv(code)


def test_map_cpv_series_maps_distinct_values_and_keeps_index():
    codes = pd.Series(
        ["45210000-2", None, "bad", "90910000", "45210000-2", "77310000"], index=[10, 11, 12, 13, 14, 15]
    )
    result = map_cpv_series(codes)
    assert list(result.index) == [10, 11, 12, 13, 14, 15]
    assert result.name == "segment"
    assert result.tolist() == [
        "btp_gros_oeuvre", pd.NA, pd.NA, "nettoyage_locaux", "btp_gros_oeuvre", "espaces_verts",
    ]
    assert codes.tolist()[2] == "bad"  # input untouched


def test_map_cpv_series_large_column_is_fast():
    import time

    codes = pd.Series(["45210000", "90910000-9", "72000000", "79999100"] * 375_000)
    start = time.perf_counter()
    result = map_cpv_series(codes)
    elapsed = time.perf_counter() - start
    assert result.value_counts()["nettoyage_locaux"] == 375_000
    assert elapsed < 5


@pytest.mark.parametrize(
    ("code", "nature"),
    [
        ("45210000", "travaux"),
        ("03000000", "fournitures"),
        ("44100000", "fournitures"),
        ("48000000-8", "fournitures"),
        ("50000000", "services"),
        ("90910000", "services"),
        ("98310000", "services"),
    ],
)
def test_nature_for_cpv(code, nature):
    assert nature_for_cpv(code) == nature


def test_nature_for_invalid_code_raises():
    with pytest.raises(ValueError, match="code CPV invalide"):
        nature_for_cpv("abc")


def test_segment_labels():
    labels = segment_labels()
    assert len(labels) == 21
    assert list(labels)[0] == "btp_gros_oeuvre"
    assert labels["nettoyage_locaux"] == "Nettoyage des locaux"


@pytest.mark.parametrize(
    ("label", "segment"),
    [
        ("Nettoyage", "nettoyage_locaux"),
        ("ENTRETIEN DE LOCAUX", "nettoyage_locaux"),
        ("Gros oeuvre", "btp_gros_oeuvre"),
        ("Second œuvre", "btp_second_oeuvre"),
        ("collecte et tri des dechets", "dechets_proprete_urbaine"),
        ("Traiteur", "restauration"),
        ("Impression", "administratif_impression_numerisation"),
        ("Astrophysique", None),
        (None, None),
    ],
)
def test_segment_for_sector(label, segment):
    assert segment_for_sector(label) == segment


def test_every_cpv_prefix_is_an_official_code_with_its_official_label():
    """Each prefix of ``cpv_segments.csv``, padded with zeros, is a CPV 2008 code, labelled as in the
    nomenclature (copy in ``tests/fixtures/cpv``, see its README)."""
    from pathlib import Path

    official = pd.read_csv(Path(__file__).parent / "fixtures" / "cpv" / "cpv2008_fr.csv", dtype=str)
    labels = dict(zip(official["code"].str[:8], official["libelle"]))
    table = load_referentiel("cpv_segments")
    assert len(official) == 9454
    assert [p for p in table["prefixe_cpv"] if p.ljust(8, "0") not in labels] == []
    assert [(p, l) for p, l in zip(table["prefixe_cpv"], table["libelle_cpv"]) if labels[p.ljust(8, "0")] != l] == []


@pytest.mark.parametrize(("code", "segment"), [
    ("45316110", "btp_vrd_travaux_publics"),  # public lighting: roads and networks, not second œuvre
    ("92331210", "periscolaire_animation"),  # children's activities
    ("55243000", "periscolaire_animation"),  # holiday camps
    ("45111220", "espaces_verts"),  # scrub clearance
    ("72312000", "administratif_impression_numerisation"),  # data entry
    ("79970000", "communication_media_culture"), ("79971000", "administratif_impression_numerisation"),
    ("79416000", "communication_media_culture"), ("90711000", "prestations_intellectuelles"),
    ("45261410", "btp_second_oeuvre"), ("90918000", "dechets_proprete_urbaine"),
    ("79995100", "administratif_impression_numerisation"), ("75251110", "securite_gardiennage"),
    ("98200000", "prestations_intellectuelles"), ("30200000", "fournitures"),
])
def test_cpv_groups_attached_to_their_segment_2026_2(code, segment):
    assert segment_for_cpv(code) == segment
