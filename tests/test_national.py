"""National DECP fast path: same accepted contracts and same reasons as decp.load_decp."""

from datetime import date
from pathlib import Path

import numpy as np

from diversification import decp, national

FIXTURE = Path(__file__).parent / "fixtures" / "decp" / "decp_export.csv"
TODAY = date(2026, 1, 1)
HEADER = ("uid,id,nature,acheteur_id,acheteur_nom,titulaire_id,titulaire_typeIdentifiant,titulaire_nom,objet,montant,"
          "codeCPV,procedure,dureeMois,dateNotification,considerationsSociales,lieuExecution_code,"
          "lieuExecution_typeCode,idAccordCadre,formePrix,modification_id,donneesActuelles\n")
ROWS = [
    "A1,1,Marché,21750001600019,Paris,55204599900869,SIRET,X,o,\"1 500,50\",45233140,p,12,2024-01-10,Clause sociale,75056,Code commune,,U,0,true",
    "A1,1,Marché,21750001600019,Paris,55204599900869,SIRET,X,o,\"1 500,50\",45233140,p,12,2024-01-10,Clause sociale,75056,Code commune,,U,0,true",
    "A2,,Marché,21750001600019,Paris,55204599900869,SIRET,X,o,100,45233140,p,12,2024-01-10,,75,Code département,,U,0,true",
    "A3,3,Marché,21750001600019,Paris,55204599900868,SIRET,X,o,0,45233140,p,12,2024-02-30,,75,Code département,,U,0,true",
    "A4,4,Marché,21750001600019,Paris,55204599900868,SIRET,X,o,0,4523314,p,12,2024-03-01,,75,Code département,,U,0,true",
    "A5,5,Marché,21750001600019,Paris,55204599900868,SIRET,X,o,NC,90910000,p,12,2030-03-01,,75,Code département,,U,0,true",
    "A6,6,Marché,21750001600019,Paris,55204599900868,SIRET,X,o,NC,90910000-1,p,12,12/03/2024,,59350,Code commune,,U,0,true",
    "A7,6,Marché,21750001600019,Paris,55204599900868,SIRET,X,o,NC,90910000-1,p,12,12/03/2024,,59350,Code commune,,U,0,true",
]


def reason_keys_of_decp(result) -> dict[str, int]:
    """decp's log records → the national reason keys."""
    rules = [("mêmes uid et titulaire", "doublon_ligne"), ("même id, acheteur", "doublon_marche"),
             ("identifiant du marché", "id_absent"), ("identifiant de l'acheteur", "acheteur_absent"),
             ("date de notification absente", "date_absente"), ("impossible ou illisible", "date_illisible"),
             ("postérieure", "date_future"), ("code CPV absent", "cpv_absent"), ("invalide : 8 chiffres", "cpv_invalide"),
             ("remplacé par", "montant_modifie"), ("exclu des totaux", "montant_hors_totaux"),
             ("Luhn", "siret_invalide"), ("14 chiffres", "siret_invalide")]
    counts: dict[str, int] = {}
    seen = set()
    for record in result.rejects.records:
        key = next(k for text, k in rules if text in record["motif"])
        if key == "montant_hors_totaux":  # one per contract in the fast path (amount and modification)
            if (record["ligne"], key) in seen:
                continue
            seen.add((record["ligne"], key))
        counts[key] = counts.get(key, 0) + 1
    return counts


def national_counts(result) -> dict[str, int]:
    labels = {label: key for key, (label, _) in national.REASONS.items()}
    return {labels[m]: int(n) for m, n in zip(result.motifs["motif"], result.motifs["nombre"])}


def test_fixture_same_contracts_and_reasons_as_decp():
    expected = decp.load_decp(FIXTURE, today=TODAY)
    fast = national.clean_national(FIXTURE, today=TODAY)
    table = fast.table.to_pandas()
    assert sorted(table["uid"]) == sorted(expected.table["uid"])
    merged = table.set_index("uid").join(expected.table.set_index("uid").add_suffix("_decp"))
    assert (merged["montant_final"] == merged["montant_final_decp"].astype(float)).all()
    assert merged.loc["21750001600019C2023-11", "montant_final"] == 230000.0
    assert (merged["nb_titulaires"] == merged["nb_titulaires_decp"]).all()
    assert national_counts(fast) == reason_keys_of_decp(expected) == {"montant_modifie": 1}
    assert set(table["departement"]) == {"75", "59"}


def test_defective_rows_same_contracts_and_reasons_as_decp(tmp_path):
    path = tmp_path / "national.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    expected = decp.load_decp(path, today=TODAY)
    fast = national.clean_national(path, today=TODAY)
    assert sorted(fast.table["uid"].to_pylist()) == sorted(expected.table["uid"]) == ["A1", "A6"]
    counts = national_counts(fast)
    assert counts == reason_keys_of_decp(expected)
    assert counts["doublon_ligne"] == 1 and counts["doublon_marche"] == 1 and counts["date_future"] == 1
    a1 = fast.table.to_pandas().set_index("uid").loc["A1"]
    assert a1["montant"] == 1500.5 and a1["titulaire_siret_valide"] and a1["segment"]
    # first rows of each reason are kept, not one object per row
    assert list(fast.exemples["code CPV invalide"]["valeur"]) == ["4523314"]


def test_vectorised_luhn_matches_the_reference():
    from diversification.siret import luhn_ok

    rng = np.random.default_rng(1)
    values = ["".join(map(str, rng.integers(0, 10, 14))) for _ in range(300)] + ["55204599900869", "35600000000048"]
    digits = np.frombuffer("".join(values).encode(), np.uint8).reshape(-1, 14) - 48
    assert list(national.luhn_valid(digits)) == [luhn_ok(v) for v in values]


def test_cache_and_buyer_extract(tmp_path):
    cache, motifs = national.ingest_national(FIXTURE, tmp_path / "cache", today=TODAY)
    assert cache.exists() and int(motifs["nombre"].sum()) == 1
    again, _ = national.ingest_national(FIXTURE, tmp_path / "cache", today=TODAY)
    assert again == cache and len(list((tmp_path / "cache").glob("*.parquet"))) == 1
    nord = national.buyers_contracts(cache, {"215 930 007 00012"})
    assert list(nord["uid"]) == ["21593000700012M-77", "21593000700012T-12"]
    assert national.buyers_contracts(cache, set()).empty
    aggregate = national.aggregate_department_segment(national.clean_national(FIXTURE, today=TODAY).table)
    assert int(aggregate["marches"].sum()) == 3
