"""Tests of the sample-territory generator (diversification.inputs.samples)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from diversification.inputs import samples
from diversification.inputs.config import load_config
from diversification.inputs.parsing import normalize_header
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.inputs.schemas import (
    ACHATS_PREVUS,
    DEMANDEURS_EMPLOI,
    METIERS_TENSION,
    STRUCTURES_INCLUSIVES,
    SUIVI_CLAUSES,
    BUYER_TYPES,
)
from diversification.inputs.siret import luhn_ok


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("territoires")
    samples.generate_all(root)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read_csv(path: Path, encoding: str = "utf-8", delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def _spec_names(spec) -> set[str]:
    names = set()
    for col in spec.columns:
        names.add(col.name)
        names.update(col.aliases)
    return names


# --- helpers computed by hand --------------------------------------------------------


def test_nature_follows_the_cpv_division():
    assert samples._nature("45210000") == "travaux"
    assert samples._nature("09130000") == "fournitures"
    assert samples._nature("48000000") == "fournitures"  # software packages are supplies
    assert samples._nature("30200000") == "fournitures"
    assert samples._nature("50000000") == "services"
    assert samples._nature("90910000") == "services"


def test_french_number_layout_uses_non_breaking_spaces_and_decimal_comma():
    assert samples._fr_num(1234.5, 1) == "1\u00a0234,5"
    assert samples._fr_num(50000, 0) == "50\u00a0000"
    assert samples._fr_num(12.0) == "12,00"
    assert samples._num(1234.50) == "1234.5"
    assert samples._num(80.0) == "80"


def test_bmo_secret_hides_small_counts_only():
    assert samples._secret(0) == 0
    assert samples._secret(1) == "*"
    assert samples._secret(4) == "*"
    assert samples._secret(5) == 5


def test_unknown_territory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="inconnu"):
        samples.generate_territory("atlantide", tmp_path)


# --- determinism --------------------------------------------------------------------


def test_generation_is_byte_identical_across_runs(generated, tmp_path):
    second = tmp_path / "bis"
    samples.generate_all(second)
    first_files, second_files = _files(generated), _files(second)
    assert list(first_files) == list(second_files)
    assert len(first_files) >= 20
    for name, content in first_files.items():
        assert second_files[name] == content, name


def test_committed_sample_files_match_the_generator(generated):
    committed = _files(TERRITOIRES_DIR)
    for name, content in _files(generated).items():
        assert name in committed, f"{name} absent de data_samples/territoires : relancer le générateur"
        assert committed[name] == content, f"{name} diffère : relancer « python -m diversification.inputs.samples »"


def test_xlsx_timestamps_are_fixed(generated):
    workbook = openpyxl.load_workbook(generated / "metropole-exemple" / "bmo.xlsx")
    assert workbook.properties.created == samples.XLSX_TIMESTAMP
    assert workbook.properties.modified == samples.XLSX_TIMESTAMP


# --- configuration ------------------------------------------------------------------


@pytest.mark.parametrize("name", samples.TERRITORIES)
def test_configuration_loads_and_names_existing_files(generated, name):
    config = load_config(generated / name)
    assert config.identifiant == name
    assert config.annee == 2025
    for key, value in config.fichiers.items():
        for file_name in value if isinstance(value, list) else [value]:
            assert (generated / name / file_name).is_file(), (key, file_name)


def test_metropolis_buyers_cover_every_type_and_appear_in_decp_and_purchases(generated):
    folder = generated / "metropole-exemple"
    config = load_config(folder)
    buyers = config.acheteurs
    assert len(buyers) >= 6
    assert {b["type"] for b in buyers} == set(BUYER_TYPES)
    assert all(luhn_ok(b["siret"]) and len(b["siret"]) == 14 for b in buyers)
    decp = json.loads((folder / "decp" / "decp_2024_2025.json").read_text(encoding="utf-8"))
    decp_buyers = {m["acheteur"]["id"] for m in decp["marches"]["marche"]}
    csv_buyers = {r["acheteur_id"] for r in _read_csv(folder / "decp" / "decp_2019_2023.csv")}
    planned_buyers = {r["acheteur_siret"] for r in _read_csv(folder / "achats_prevus.csv")}
    for buyer in buyers:
        assert buyer["siret"] in decp_buyers
        assert buyer["siret"] in csv_buyers
        assert buyer["siret"] in planned_buyers


# --- the metropolis: contracts and realistic distributions ------------------------------


@pytest.fixture(scope="module")
def suivi(generated) -> list[dict]:
    return _read_csv(generated / "metropole-exemple" / "suivi_clauses.csv")


def test_follow_up_has_the_schema_columns_and_vocabularies(suivi):
    assert list(suivi[0]) == [c.name for c in SUIVI_CLAUSES.columns]
    assert len(suivi) >= 3000
    assert {r["annee"] for r in suivi} == {"2021", "2022", "2023", "2024", "2025"}
    for col in SUIVI_CLAUSES.columns:
        if col.allowed:
            assert {r[col.name] for r in suivi if r[col.name]} <= set(col.allowed), col.name
        if col.kind == "bool":
            assert {r[col.name] for r in suivi} <= {"oui", "non", ""}, col.name
    for row in suivi[:500]:
        assert luhn_ok(row["entreprise_siret"]) and luhn_ok(row["acheteur_siret"])
        assert row["participant_id"].startswith("PART-") and len(row["participant_id"]) == 11
        assert row["code_cpv"] in samples.SEGMENT_CPV[row["segment"]]
        assert 0 <= float(row["heures_realisees"]) <= 20000


def test_construction_and_cleaning_carry_85_to_90_percent_of_hours(suivi):
    total = sum(float(r["heures_realisees"]) for r in suivi)
    historical = sum(float(r["heures_realisees"]) for r in suivi if r["segment"] in samples.HISTORICAL_SEGMENTS)
    assert 0.85 <= historical / total <= 0.90


def test_participants_are_mostly_low_qualified_men(suivi):
    men = sum(r["sexe"] == "H" for r in suivi) / len(suivi)
    assert 0.80 <= men <= 0.85
    low = {"infra 3 (sans diplôme)", "3 (CAP-BEP)"}
    assert sum(r["niveau_qualification"] in low for r in suivi) / len(suivi) > 0.7


def test_experimental_contracts_are_recent_new_segments_with_women_and_graduates(suivi):
    experimental = [r for r in suivi if r["experimental"] == "oui"]
    assert len(experimental) >= 30
    assert {r["annee"] for r in experimental} <= {"2024", "2025"}
    assert {"informatique_numerique", "restauration", "blanchisserie_nettoyage_vetements"} <= {
        r["segment"] for r in experimental
    }
    assert sum(r["sexe"] == "F" for r in experimental) / len(experimental) > 0.35
    graduates = {"4 (bac)", "5 (bac+2)", "6 et plus (bac+3 et plus)"}
    assert sum(r["niveau_qualification"] in graduates for r in experimental) / len(experimental) > 0.5


def test_job_seekers_are_about_half_women(generated):
    rows = _read_csv(generated / "metropole-exemple" / "demandeurs_emploi.csv")
    # a territorial extraction: every column but the optional department
    assert list(rows[0]) == [c.name for c in DEMANDEURS_EMPLOI.columns if c.name != "departement"]
    assert len(rows) <= 5000
    total = sum(int(r["effectif"]) for r in rows)
    women = sum(int(r["effectif"]) for r in rows if r["sexe"] == "F")
    assert 0.45 <= women / total <= 0.55


def test_decp_share_with_social_consideration_is_realistic(generated):
    folder = generated / "metropole-exemple" / "decp"
    marches = json.loads((folder / "decp_2024_2025.json").read_text(encoding="utf-8"))["marches"]["marche"]
    first = marches[0]
    assert first["titulaires"][0]["titulaire"]["typeIdentifiant"] == "SIRET"
    assert set(first) >= {"id", "acheteur", "nature", "objet", "codeCPV", "procedure", "lieuExecution", "dureeMois",
                          "dateNotification", "datePublicationDonnees", "montant", "formePrix", "titulaires",
                          "considerationsSociales", "modifications"}
    tabular = {r["uid"]: r for r in _read_csv(folder / "decp_2019_2023.csv")}  # one contract per uid
    values = [m["considerationsSociales"]["considerationSociale"][0] for m in marches]
    values += [r["considerationsSociales"] for r in tabular.values()]
    assert len(values) >= 300
    social = sum(v != samples.NO_SOCIAL_CONSIDERATION for v in values) / len(values)
    assert 0.10 <= social <= 0.15
    assert {r["dateNotification"][:4] for r in tabular.values()} == {"2019", "2020", "2021", "2022", "2023"}


def test_bmo_workbook_has_the_official_layout(generated):
    workbook = openpyxl.load_workbook(generated / "metropole-exemple" / "bmo.xlsx")
    assert workbook.sheetnames == ["Description_des_variables", "BMO_2025_open_data"]
    sheet = workbook["BMO_2025_open_data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(samples.BMO_COLUMNS)
    met = [r[11] for r in rows[1:]]
    assert "*" in met and all(v == "*" or (isinstance(v, int) and v >= 0) for v in met)


def test_other_tables_follow_their_schema(generated):
    folder = generated / "metropole-exemple"
    planned = _read_csv(folder / "achats_prevus.csv")
    assert list(planned[0]) == [c.name for c in ACHATS_PREVUS.columns]
    assert len(planned) >= 60
    assert {r["nature"] for r in planned} == {"travaux", "services", "fournitures"}
    assert {r["code_cpv"] for r in planned} & {c for cpvs in samples.SEGMENT_CPV.values() for c in cpvs}
    assert any(r["montant_max_ht"] for r in planned) and all(r["date_debut"].startswith("2026") for r in planned)
    structures = _read_csv(folder / "structures_inclusives.csv")
    assert list(structures[0]) == [c.name for c in STRUCTURES_INCLUSIVES.columns]
    assert len(structures) >= 40
    assert len({r["siret"] for r in structures}) == len(structures)
    labels = {label for r in structures for label in r["secteurs"].split(" | ")}
    assert {"Nettoyage", "Espaces verts", "Restauration", "Informatique", "Blanchisserie"} <= labels


# --- the rural territory and the raw exports -------------------------------------------


def test_rural_territory_is_small_with_no_planned_purchases(generated):
    folder = generated / "rural-exemple"
    assert not (folder / "achats_prevus.csv").exists()
    config = load_config(folder)
    assert len(config.acheteurs) == 1 and config.acheteurs[0]["type"] == "collectivite"
    rows = _read_csv(folder / "suivi_clauses.csv")
    assert 12 <= len(rows) <= 80 and {r["annee"] for r in rows} == {"2025"}
    tension = _read_csv(folder / "metiers_tension.csv")
    # the kit's simple layout: every column of the contract except the BMO secrecy flags
    assert list(tension[0]) == [c.name for c in METIERS_TENSION.columns if not c.name.endswith("_secret")]


def test_raw_exports_are_windows_1252_with_known_headers(generated):
    folder = generated / "exports-bruts"
    raw = (folder / "suivi_clauses.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = raw.decode("cp1252").splitlines()[0].split(";")
    extras = {"nom", "date_de_naissance", "commentaire_conseiller"}
    for name in header:
        assert normalize_header(name) in _spec_names(SUIVI_CLAUSES) | extras, name
    assert "\u00a0" in raw.decode("cp1252")  # thousands separator


def test_every_documented_defect_is_where_defauts_md_says(generated):
    folder = generated / "exports-bruts"
    lines = (folder / "DEFAUTS.md").read_text(encoding="utf-8").splitlines()
    table = [line.split(" | ") for line in lines if line.startswith("| `")]
    assert len(table) >= 18
    suivi = (folder / "suivi_clauses.csv").read_bytes().decode("cp1252").split("\r\n")
    expected = {"cent vingt": 9, "-35": 13, "31/02/2024": 21, "15/06/2031": 25, "18-25 ans": 33, "4521000": 37}
    for value, line in expected.items():
        assert f";{value};" in suivi[line - 1], value
        assert any(row[1] == str(line) and row[0] == "| `suivi_clauses.csv`" for row in table), value
    duplicate = next(int(row[1]) for row in table if "doublon" in row[3])
    assert suivi[duplicate - 1] == suivi[duplicate - 2]
    decp_text = (folder / "decp" / "decp_2024_2025.json").read_text(encoding="utf-8")
    decp_lines = decp_text.splitlines()
    for row in table:
        if row[0] == "| `decp/decp_2024_2025.json`":
            assert '"id": ' in decp_lines[int(row[1]) - 1]
    marches = json.loads(decp_text)["marches"]["marche"]
    assert sum(m["montant"] == 0 for m in marches) == 1
    assert sum(m["montant"] == 5e10 for m in marches) == 1
    assert [t["titulaire"]["typeIdentifiant"] for m in marches for t in m["titulaires"]].count("TVA") == 1


def test_raw_structures_are_an_excel_file_with_numeric_sirets(generated):
    workbook = openpyxl.load_workbook(generated / "exports-bruts" / "structures_inclusives.xlsx")
    rows = list(workbook.active.iter_rows(values_only=True))
    for name in rows[0]:
        assert normalize_header(name) in _spec_names(STRUCTURES_INCLUSIVES), name
    assert all(isinstance(r[0], int) for r in rows[1:])
    assert not luhn_ok(str(rows[5][0]))  # the documented bad key, sheet row 6
    assert sum(luhn_ok(str(r[0])) for r in rows[1:]) == len(rows) - 2


# --- territories drawn from a seed (batch benchmark) --------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("graines")
    for seed in (7, 8):
        samples.generate_seeded_territory(seed, root / f"graine-{seed}")
    return root


def test_seeded_territory_is_byte_identical_for_one_seed(seeded, tmp_path):
    again = samples.generate_seeded_territory(7, tmp_path / "graine-7")
    first, second = _files(seeded / "graine-7"), _files(again)
    assert list(first) == list(second)
    # territoire.yaml, the 7 input files of metropole-exemple and its generated national DECP file (peers)
    assert len(first) == 9
    assert "national/decp_national_exemple.csv" in first
    for name, content in first.items():
        assert second[name] == content, name


def test_two_seeds_draw_different_valid_territories(seeded):
    from diversification.inputs.loading import load_territory

    loaded = {}
    for seed in (7, 8):
        folder = seeded / f"graine-{seed}"
        data = load_territory(folder, salt=b"sel-de-test-16-octets")
        assert data.config.identifiant == f"genere-{seed}"
        assert data.config.nom == f"Territoire généré (graine {seed})"
        for key, result in data.inputs.items():
            assert result.status == "chargée", (seed, key, result.status)
            assert len(result.table) > 0, (seed, key)
        loaded[seed] = data
    first, second = _files(seeded / "graine-7"), _files(seeded / "graine-8")
    assert list(first) == list(second)
    assert all(first[name] != second[name] for name in first), [n for n in first if first[n] == second[n]]
    assert not loaded[7].table("suivi_clauses").equals(loaded[8].table("suivi_clauses"))


def test_negative_seed_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Graine"):
        samples.generate_seeded_territory(-1, tmp_path)
