"""Every DECP fixture through both entry points: the territory loader (:func:`decp.load_decp`) and the
national ingest (:func:`national.clean_national`) accept the same contracts, with the same values, and give
the same reason to every rejected or flagged contract.

A JSON fixture is written in the layout of the national CSV export first (one row per contract × holder ×
version, the latest modification's amount on the last version), a CSV fixture is read as it is (transcoded to
UTF-8 for the national reader, which only reads UTF-8).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from diversification.inputs import decp, national
from diversification.inputs.errors import InputError
from diversification.inputs.segments import INDETERMINATE_SEGMENT, map_cpv_series

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 1, 1)
FIXTURES = sorted([*(ROOT / "tests" / "fixtures" / "decp").iterdir(), *(ROOT / "tests" / "fixtures" / "decp_reels").glob("*.json"),
                   *(ROOT / "data_samples" / "territoires").glob("*/decp/*")])
HEADER = ["uid", "id", "nature", "acheteur_id", "acheteur_nom", "titulaire_id", "titulaire_typeIdentifiant",
          "titulaire_nom", "objet", "montant", "codeCPV", "procedure", "dureeMois", "dateNotification",
          "considerationsSociales", "lieuExecution_code", "lieuExecution_typeCode", "idAccordCadre", "formePrix",
          "modification_id", "_type"]
COMPARED = ["id", "acheteur_id", "acheteur_nom", "objet", "codeCPV", "nature_achat", "dureeMois", "dateNotification",
            "annee", "montant", "montant_final", "montant_valide", "lieuExecution_code", "titulaire_id", "nb_titulaires",
            "titulaires_ids", "titulaire_siret_valide", "consideration_sociale", "clause_sociale", "critere_social",
            "marche_reserve", "segment"]

#: decp's French reasons → the national reason keys (both duplicate kinds are « marché en double »).
RULES = [("marché en double", "doublon"), ("identifiant du marché", "id_absent"),
         ("identifiant de l'acheteur", "acheteur_absent"), ("date de notification absente", "date_absente"),
         ("impossible ou illisible", "date_illisible"), ("postérieure", "date_future"), ("concession", "concession"),
         ("code CPV absent", "cpv_absent"), ("invalide (8 chiffres", "cpv_invalide"), ("remplacé par", "montant_modifie"),
         ("exclu des totaux", "montant_hors_totaux"), ("modification « ", "modification_illisible"),
         ("Luhn", "siret_invalide"), ("14 chiffres", "siret_invalide"), ("SIRET absent", "siret_invalide"),
         ("durée en mois", "duree_illisible"), ("inconnue du schéma officiel", "consideration_inconnue")]


def _decp_reasons(result, line_to_contract) -> set[tuple[object, str]]:
    reasons = set()
    for record in result.rejects.records:
        key = next(k for text, k in RULES if text in record["motif"])
        reasons.add((line_to_contract(record["ligne"]), key))
    return reasons


def _national_reasons(result, rang_to_contract) -> set[tuple[object, str]]:
    rejets = result.rejets.to_pandas()
    keys = rejets["motif"].replace({"doublon_ligne": "doublon", "doublon_marche": "doublon"})
    return {(rang_to_contract(int(r)), k) for r, k in zip(rejets["rang"], keys)}


def _as_national_csv(path: Path, target: Path) -> list[int]:
    """The contracts of a JSON file in the national CSV layout; returns the JSON position of each CSV row."""
    raw, _ = decp._extract_json(path)
    rows, positions = [], []
    for r in raw.to_dict("records"):
        if pd.isna(r["concession"]):  # not a contract object: no CSV form
            continue
        holders = r["titulaires_ids"].split("|") if isinstance(r["titulaires_ids"], str) else [r["titulaire_id"]]
        social = r["considerationsSociales"]
        social = "Pas de considération sociale" if social == "" else social  # an empty published list
        base = {c: (None if pd.isna(r.get(c)) else r.get(c)) for c in HEADER if c in r}
        # a unique key per JSON contract: contracts are not versions of each other in a JSON file
        base.update(uid=f"{r['acheteur_id'] or ''}{r['id'] or ''}#{r['ligne']}", considerationsSociales=social,
                    modification_id="0", _type="Contrat de concession" if r["concession"] else "Marché")
        for holder in holders:
            rows.append({**base, "titulaire_id": holder})
            positions.append(int(r["ligne"]))
        for version in range(1, int(r["nb_modifications"]) + 1):
            last = version == int(r["nb_modifications"])
            rows.append({**base, "titulaire_id": holders[0], "modification_id": str(version),
                         "montant": (r["montant_modification"] if last and not pd.isna(r["montant_modification"])
                                     else ""),
                         "dateNotification": r["date_modification"] if last and not pd.isna(r["date_modification"])
                         else r["dateNotification"]})
            positions.append(int(r["ligne"]))
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows({c: ("" if row.get(c) is None else row.get(c)) for c in HEADER} for row in rows)
    return positions


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    if "segment" not in out:
        out["segment"] = map_cpv_series(out["codeCPV"]).fillna(INDETERMINATE_SEGMENT)
    out = out[COMPARED].astype(object).where(out[COMPARED].notna(), None)
    out["dateNotification"] = [None if v is None else str(pd.Timestamp(v).date()) for v in out["dateNotification"]]
    for column in ("montant", "montant_final"):
        out[column] = [None if v is None else round(float(v), 2) for v in out[column]]
    for column in ("dureeMois", "annee", "nb_titulaires"):
        out[column] = [None if v is None else int(v) for v in out[column]]
    for column in ("montant_valide", "titulaire_siret_valide", "clause_sociale", "critere_social", "marche_reserve"):
        out[column] = [None if v is None else bool(v) for v in out[column]]
    return out.sort_values(["acheteur_id", "id", "dateNotification", "montant"], key=lambda s: s.astype(str),
                           ignore_index=True)


def _both(fixture: Path, tmp_path: Path):
    try:
        territory = decp.load_decp(fixture, today=TODAY)
    except InputError:
        pytest.skip(f"{fixture.name} : fichier inutilisable, refusé en entier (pas de ligne à comparer)")
    target = tmp_path / "national.csv"
    if fixture.suffix == ".json":
        positions = _as_national_csv(fixture, target)

        def rang_to_contract(rang):
            return positions[rang - 1]

        def line_to_contract(line):
            return line
    else:
        text, _ = decp._decode(fixture.read_bytes())
        target.write_text(text, encoding="utf-8")
        # the first line of each record (values may span lines)
        sep = max(";,", key=text.splitlines()[0].count)
        reader = csv.reader(text.splitlines(keepends=True), delimiter=sep)
        starts, end = [], 0
        for _ in reader:
            starts.append(end + 1)
            end = reader.line_num

        def rang_to_contract(rang):
            return starts[rang]  # rang 1 is the record after the header

        def line_to_contract(line):
            return line
    fast = national.clean_national(target, today=TODAY)
    return territory, fast, _decp_reasons(territory, line_to_contract), _national_reasons(fast, rang_to_contract)


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if f.suffix in (".json", ".csv")], ids=lambda p: p.name)
def test_both_entry_points_accept_the_same_contracts_for_the_same_reasons(fixture, tmp_path):
    territory, fast, territory_reasons, national_reasons = _both(fixture, tmp_path)
    expected = _comparable(territory.table)
    got = _comparable(fast.table.to_pandas())
    assert len(got) == len(expected)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert national_reasons == territory_reasons
