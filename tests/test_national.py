"""National DECP fast path: same accepted contracts and same reasons as decp.load_decp."""

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from diversification.inputs import decp, national
from diversification.inputs import decp_rules as rules
from diversification.inputs.errors import ACTION_VALUE_FLAGGED

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
             ("postérieure", "date_future"), ("code CPV absent", "cpv_absent"), ("invalide (8 chiffres", "cpv_invalide"),
             ("remplacé par", "montant_modifie"), ("exclu des totaux", "montant_hors_totaux"),
             ("Luhn", "siret_invalide"), ("14 chiffres", "siret_invalide"), ("durée en mois", "duree_illisible"),
             ("inconnue du schéma officiel", "consideration_inconnue")]
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
    assert sorted(fast.table["uid"].to_pylist()) == sorted(expected.table["uid"]) == ["A1", "A4", "A6"]
    counts = national_counts(fast)
    assert counts == reason_keys_of_decp(expected)
    assert counts["doublon_ligne"] == 1 and counts["doublon_marche"] == 1 and counts["date_future"] == 1
    a1 = fast.table.to_pandas().set_index("uid").loc["A1"]
    assert a1["montant"] == 1500.5 and a1["titulaire_siret_valide"] and a1["segment"]
    # first rows of each reason are kept, not one object per row
    assert list(fast.exemples[national.REASONS["cpv_invalide"][0]]["valeur"]) == ["4523314"]


def test_vectorised_luhn_matches_the_definition():
    """siret.luhn_valid against the Luhn key written out from its definition (every second digit from the
    right doubled, 9 taken off above 9, the sum a multiple of 10)."""
    from diversification.inputs.siret import luhn_valid

    def by_hand(text: str) -> bool:
        total = 0
        for i, ch in enumerate(reversed(text)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        return total % 10 == 0

    rng = np.random.default_rng(1)
    values = ["".join(map(str, rng.integers(0, 10, 14))) for _ in range(300)] + ["55204599900869", "35600000000048"]
    digits = np.frombuffer("".join(values).encode(), np.uint8).reshape(-1, 14) - 48
    assert list(luhn_valid(digits)) == [by_hand(v) for v in values]
    assert by_hand("73282932000074") and not by_hand("73282932000075")


def test_cache_and_buyer_extract(tmp_path):
    cache, motifs = national.ingest_national(FIXTURE, tmp_path / "cache", today=TODAY)
    assert cache.exists() and int(motifs["nombre"].sum()) == 1
    again, _ = national.ingest_national(FIXTURE, tmp_path / "cache", today=TODAY)
    assert again == cache and len(list((tmp_path / "cache").glob("*.rejets.parquet"))) == 1
    assert len(list((tmp_path / "cache").glob("*.parquet"))) == 2
    nord = national.buyers_contracts(cache, {"215 930 007 00012"})
    assert list(nord["uid"]) == ["21593000700012M-77", "21593000700012T-12"]
    assert national.buyers_contracts(cache, set()).empty
    aggregate = national.aggregate_department_segment(national.clean_national(FIXTURE, today=TODAY).table)
    assert int(aggregate["marches"].sum()) == 3
    paris = aggregate.loc[aggregate["departement"] == "75"]
    assert int(paris["marches_clause_sociale"].sum()) == 1 and float(paris["montant_total"].sum()) == 230000.0


BUYERS = ["21750001600019", "21593000700012"]
OTHER = "21130055300016"


def _national_file(path: Path, contracts: int = 3000) -> dict[str, int]:
    """A small « national » export: contracts of 3 buyers, some rejected or flagged; expected counts."""
    rows, kept = [], {b: 0 for b in [*BUYERS, OTHER]}
    for i in range(contracts):
        buyer = [*BUYERS, OTHER][i % 3]
        cpv = "4523314" if i % 50 == 7 else "45233140"  # invalid CPV: kept, flagged
        amount = "NC" if i % 10 == 3 else str(1000 + i)
        rows.append(f"{buyer}M{i},M{i},Marché,{buyer},Acheteur,55204599900869,SIRET,X,objet,{amount},{cpv},p,12,"
                    f"2024-01-{1 + i % 28:02d},Clause sociale,75,Code département,,U,0,true")
        if i % 100 == 11:  # the same line twice: duplicate removed
            rows.append(rows[-1])
        kept[buyer] += 1
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return kept


def test_territory_reads_a_national_file_through_the_fast_path(tmp_path, monkeypatch):
    import diversification.inputs.paths as paths
    from diversification.inputs.loading import load_input
    from diversification.inputs.config import load_config

    territory = tmp_path / "territoire"
    territory.mkdir()
    kept = _national_file(territory / "decp_national_extrait.csv")
    (territory / "territoire.yaml").write_text(
        "nom: Essai\nidentifiant: essai\nannee: 2024\ndepartements: ['75']\n"
        "acheteurs:\n"
        f"  - {{siret: '{BUYERS[0]}', nom: Ville, type: collectivite}}\n"
        f"  - {{siret: '{BUYERS[1]}', nom: Département, type: collectivite}}\n"
        "fichiers:\n  decp: decp_national_extrait.csv\n", encoding="utf-8")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in territory.iterdir()}
    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path / "reports")
    config = load_config(territory)

    result = load_input(config, "decp", today=TODAY)
    assert result.status == "chargée"
    table = result.table
    assert list(table.columns) == decp.DECP_COLUMNS
    assert set(table["acheteur_id"]) == set(BUYERS)
    assert len(table) == kept[BUYERS[0]] + kept[BUYERS[1]]
    assert table["uid"].is_unique
    assert not table["montant_valide"].all() and table["montant_valide"].sum() == len(table) - (table["montant"].isna()).sum()
    # one record per reason, with the count, for the buyers' contracts only
    records = {r["motif"].split(" : ")[0]: r for r in result.rejects.records}
    invalid_cpv = sum(1 for i in range(3000) if i % 50 == 7 and i % 3 < 2)
    duplicates = sum(1 for i in range(3000) if i % 100 == 11 and i % 3 < 2)
    assert f"{invalid_cpv} marché(s)" in records["code CPV invalide"]["motif"]
    assert records["code CPV invalide"]["action"] == ACTION_VALUE_FLAGGED
    assert int(table["codeCPV"].isna().sum()) == invalid_cpv
    assert f"{duplicates} marché(s)" in records["marché en double"]["motif"]
    assert result.rows_read == len(table) + duplicates

    caches = list((tmp_path / "reports" / ".cache_decp").glob("*.parquet"))
    assert len(caches) == 2
    stamps = {p: p.stat().st_mtime_ns for p in caches}
    again = load_input(config, "decp", today=TODAY)
    assert {p: p.stat().st_mtime_ns for p in caches} == stamps  # reused, not rewritten
    assert again.table.equals(table)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in territory.iterdir()}
    assert after == before  # the territory folder stays read-only


def _both_loaders(path: Path, rows: list[str]):
    """``rows`` written under :data:`HEADER` at ``path``, loaded by decp.load_decp and by the fast path."""
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return decp.load_decp(path, today=TODAY), national.clean_national(path, today=TODAY)


def test_duckdb_reader_quoted_newlines_padding_and_row_numbers(tmp_path):
    path = tmp_path / "national.csv"
    rows = [ROWS[0].replace(",o,", ',"objet sur\ndeux lignes",'),
            ROWS[2].replace("A2,,", "A8,8,").replace(",100,", ",\u00a0NC ,"),
            ROWS[6].replace("A6,6,", "A9,9,").replace("12/03/2024", " 2024-03-12\u00a0")]
    expected, fast = _both_loaders(path, rows)
    fast = fast.table.to_pandas().set_index("uid")
    assert sorted(fast.index) == sorted(expected.table["uid"]) == ["A1", "A8", "A9"]
    assert list(fast.loc[["A1", "A8", "A9"], "rang"]) == [1, 2, 3]  # records, not lines
    assert fast.loc["A1", "objet"] == "objet sur\ndeux lignes"
    assert np.isnan(fast.loc["A8", "montant"]) and not fast.loc["A8", "montant_valide"]
    assert str(fast.loc["A9", "dateNotification"])[:10] == "2024-03-12"


def test_edge_bytes_flag_every_value_to_trim_and_clean_text_as_python():
    import re

    import pyarrow as pa

    from diversification.inputs.parsing import MISSING_TOKENS

    rng = np.random.default_rng(7)
    alphabet = ["a", "Z", "1", " ", "\t", "\x1f", "\u0085", "\u00a0", "é", "«", "€", "\u1680", "\u2003", "\u2029",
                "\u202f", "\u205f", "\u3000", "\u30a2", "\U0001f600"]
    values = ["".join(rng.choice(alphabet, rng.integers(0, 4))) for _ in range(5000)] + ["", "é", "Procédure adaptée"]
    values += [" NC ", "n/a", "N.D.", "—", "\u00a0-\u3000", "None", "nuLL", "nc.", "NCX", "nan\t", "Na", "- -"]
    exact = np.array([bool(re.search(f"^[{rules.TRIM_CHARS}]|[{rules.TRIM_CHARS}]$", v)) for v in values])
    column = pa.chunked_array([values[:2500], values[2500:]])
    flagged = rules.dirty(column)
    assert flagged[exact].all()  # a superset: each flagged value is cleaned exactly by _clean_text
    assert not flagged[values.index("Procédure adaptée")]
    expected = [None if v.strip().lower() in MISSING_TOKENS else v.strip() for v in values]
    assert rules.clean_text(column).to_pylist() == expected
    assert rules.clean_text(pa.chunked_array([["a", "b"]])).to_pylist() == ["a", "b"]


def test_wide_text_columns_trimmed_and_missing_tokens(tmp_path):
    path = tmp_path / "national.csv"
    row = ROWS[0].replace(",Paris,", ",\u3000Paris\u00a0,").replace(",X,o,", ",NC,\"objet\u2029\",")
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    fast = national.clean_national(path, today=TODAY).table.to_pylist()
    assert len(fast) == 1
    assert (fast[0]["acheteur_nom"], fast[0]["titulaire_nom"], fast[0]["objet"]) == ("Paris", None, "objet")


def test_identifier_separators_and_cpv_forms_same_as_decp(tmp_path):
    path = tmp_path / "national.csv"
    forms = [("B1", "217\u00a0500\u00a0016\u00a000019", "552 045 999 00869", "45233140.0"),
             ("B2", "21750001600019", "552.045.999-00869", "4523 3140"),
             ("B3", "21750001600019", "552\u202f045\u202f999\u202f00869", "90910000-1"),
             ("B4", "2175-0001-6000-19", "55204599900869", "9091000a"),
             ("B5", "21750001600019", "55204599900868", "909100001")]
    rows = [f"{u},{u},Marché,{buyer},Paris,{holder},SIRET,X,o,100,{cpv},p,12,2024-01-10,,75,Code département,,U,0,true"
            for u, buyer, holder, cpv in forms]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    expected = decp.load_decp(path, today=TODAY).table.set_index("uid")
    fast = national.clean_national(path, today=TODAY).table.to_pandas().set_index("uid")
    assert sorted(fast.index) == sorted(expected.index) == ["B1", "B2", "B3", "B4", "B5"]
    assert fast.loc[["B4", "B5"], "codeCPV"].isna().all() and set(fast.loc[["B4", "B5"], "segment"]) == {"indetermine"}
    for column in ("acheteur_id", "titulaire_id", "codeCPV", "titulaire_siret_valide"):
        assert list(fast.loc[["B1", "B2", "B3"], column]) == list(expected.loc[["B1", "B2", "B3"], column]), column
    assert set(fast["acheteur_id"]) == {"21750001600019"} and set(fast.loc[["B1", "B2", "B3", "B4"], "titulaire_id"]) == {"55204599900869"}
    flags = national._has_bytes(pa.chunked_array([["1 2", "12", "1.2"], ["", "1\u00a02"]]), national._SEP_BYTES)
    assert flags.tolist() == [True, False, True, False, True]


_MULTI_SQL = """
WITH firsts AS (
    SELECT k, min(vmin) AS vmin, min({'r': rang, 'h': h}) FILTER (WHERE v = vmin) AS f,
           count(DISTINCT v) AS nv, min({'r': rang, 'm': montant}) FILTER (WHERE v = vmax) AS latest
    FROM versions GROUP BY k
), pairs AS (
    SELECT k, h, min(rang) AS r FROM versions WHERE v = vmin AND h <> '' GROUP BY k, h
), holders AS (
    SELECT k, count(*) AS nb_titulaires, string_agg(h, '|' ORDER BY r) AS titulaires_ids FROM pairs GROUP BY k
)
SELECT f.k, f.vmin, f.f.r AS r0, f.f.h AS h0, f.nv, CASE WHEN f.nv > 1 THEN f.latest.m END AS modification,
       coalesce(p.nb_titulaires, 0) AS nb_titulaires, p.titulaires_ids
FROM firsts f LEFT JOIN holders p ON f.k = p.k
"""


def test_multi_groups_versions_as_the_former_query():
    """_multi (numpy) against the DuckDB query it replaced: first row, versions, latest amount, holders, repeats."""
    rng = np.random.default_rng(7)
    n = 3000
    keys = rng.integers(0, 400, n)
    v = rng.choice([0.0, 1.0, 2.0, np.nan], n, p=[0.6, 0.2, 0.1, 0.1])
    con = rules.connect()
    con.register("rows_arrow", pa.table({
        "rang": rng.permutation(n).astype(np.int64) + 1, "k": pa.array([f"K{k}" for k in keys]), "v": v,
        "h": pa.array(rng.choice(["", "H1", "H2", "H3"], n).tolist()),
        "montant": pa.array(rng.choice(["1", "2,5", "NC"], n).tolist()), "uid": pa.array([f"K{k}" for k in keys]),
        "id": pa.array(["i"] * n), "acheteur_id": pa.array(["a"] * n)}))
    con.execute("""CREATE TABLE versions AS SELECT r.*, s.g, s.vmin, s.vmax FROM rows_arrow r JOIN
                   (SELECT k, min(v) AS vmin, max(v) AS vmax, row_number() OVER () AS g FROM rows_arrow
                    GROUP BY k HAVING count(*) > 1) s ON r.k = s.k""")
    expected = con.sql(_MULTI_SQL + " ORDER BY r0").to_arrow_table()
    expected_repeats = con.sql("""SELECT b.rang, b.k FROM versions b JOIN (""" + _MULTI_SQL + """) m ON b.k = m.k
        WHERE b.rang <> m.r0 AND b.h = m.h0 AND b.v = m.vmin ORDER BY b.rang""").to_arrow_table()
    multi, repeats = national._multi(con.sql("SELECT * FROM versions").to_arrow_table())
    con.close()
    multi = multi.sort_by("r0")
    assert multi.num_rows == expected.num_rows > 300
    for column in ("r0", "nv", "modification", "nb_titulaires", "titulaires_ids"):
        assert multi[column].to_pylist() == expected[column].to_pylist(), column
    assert any("|" in (t or "") for t in multi["titulaires_ids"].to_pylist())
    repeats = repeats.sort_by("rang")
    assert repeats["rang"].to_pylist() == expected_repeats["rang"].to_pylist()
    assert repeats["valeur"].to_pylist() == expected_repeats["k"].to_pylist()
    assert set(repeats["motif"].to_pylist()) == {"doublon_ligne"}


def test_result_does_not_depend_on_the_reader_blocks(tmp_path, monkeypatch):
    """Columns read as dictionaries: each block has its own (other values, other order), unified exactly."""
    path = tmp_path / "national.csv"
    _national_file(path, contracts=900)
    text = path.read_text(encoding="utf-8").splitlines()
    # vary the looked-up columns across the file: padded, lower case, missing tokens, other places and dates
    for i in range(1, len(text), 7):
        text[i] = text[i].replace(",Clause sociale,75,Code département,", ", clause sociale ;critère social,NC,Code commune,")
    for i in range(3, len(text), 11):
        text[i] = text[i].replace(",45233140,", ", 45233140 ,").replace(",2024-01-", ",\u00a02024-02-")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    whole = national.clean_national(path, today=TODAY)
    monkeypatch.setattr(national, "READ_BLOCK", 4096)  # ~30 blocks
    blocks = national.clean_national(path, today=TODAY)
    assert national._source(path)["codeCPV"].num_chunks > 20
    assert blocks.table.equals(whole.table) and blocks.rejets.equals(whole.rejets)
    table = blocks.table.to_pandas()
    expected = decp.load_decp(path, today=TODAY).table  # the reference loader, row by row
    assert sorted(table["uid"]) == sorted(expected["uid"])
    assert int(table["critere_social"].sum()) == int(expected["critere_social"].sum()) > 100
    assert table["departement"].isna().sum() == table["critere_social"].sum()
    assert set(table["codeCPV"].dropna()) == {"45233140"}


def test_unusable_files_are_named_in_french(tmp_path):
    import pytest

    from diversification.inputs.errors import InputError

    with pytest.raises(InputError, match="introuvable"):
        national.clean_national(tmp_path / "absent.csv")
    empty = tmp_path / "vide.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="« vide.csv » est vide"):
        national.clean_national(empty)
    no_date = tmp_path / "sans_date.csv"
    no_date.write_text(HEADER.replace("dateNotification", "date") + ROWS[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="colonne\\(s\\) obligatoire\\(s\\) absente\\(s\\) : « dateNotification »"):
        national.clean_national(no_date)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + ROWS[0].replace("Marché", "March\xe9") + "\n").encode("latin-1"))
    with pytest.raises(InputError, match="« latin1.csv » est illisible comme CSV"):
        national.clean_national(latin1)
    # and the next file is read normally (no thread nor connection left behind)
    assert national.clean_national(FIXTURE, today=TODAY).table.num_rows


def test_unknown_social_labels_are_flagged_as_decp_does(tmp_path):
    path = tmp_path / "national.csv"
    rows = [ROWS[0].replace(",Clause sociale,", ",Clause sociale ; Clause verte,"),
            ROWS[2].replace("A2,,", "A8,8,").replace(",,75,Code département", ",Insertion,75,Code département"),
            ROWS[6].replace("A6,6,", "A9,9,").replace(",,59350,", ",Sans objet,59350,")]
    expected, fast = _both_loaders(path, rows)
    counts = national_counts(fast)
    assert counts == reason_keys_of_decp(expected) and counts["consideration_inconnue"] == 2
    flagged = fast.exemples[national.REASONS["consideration_inconnue"][0]]
    assert list(flagged["valeur"]) == ["Clause sociale|Clause verte", "Insertion"] and list(flagged["rang"]) == [1, 2]
    table = fast.table.to_pandas().set_index("uid")
    # the unknown label is ignored: A1 keeps its social clause, A8 (only an unknown label) is « inconnue »
    assert table.loc["A1", "clause_sociale"] and table.loc["A1", "consideration_sociale"] == "oui"
    assert table.loc["A8", "consideration_sociale"] == "inconnue" and table.loc["A9", "consideration_sociale"] == "non"
    merged = table.join(expected.table.set_index("uid")[["consideration_sociale"]].add_suffix("_decp"))
    assert (merged["consideration_sociale"] == merged["consideration_sociale_decp"]).all()


def test_territory_extract_logs_unknown_social_labels_and_status(tmp_path):
    path = tmp_path / "decp_national.csv"
    rows = [ROWS[0].replace(",Clause sociale,", ",Clause verte,"), ROWS[6].replace(",,59350,", ",,59350,")]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    result = national.load_territory_decp(path, {"21750001600019"}, tmp_path / "cache", today=TODAY)
    motifs = [r["motif"] for r in result.rejects.records]
    assert any(m.startswith("considération sociale inconnue du schéma officiel") and "1 marché(s)" in m for m in motifs)
    assert any("2 marché(s) sans information sur les considérations sociales" in n for n in result.notices)


def test_cache_sorted_by_buyer_then_row_in_row_groups(tmp_path, monkeypatch):
    """The cache holds the cleaned table sorted by buyer, then by row (stable: a buyer's contracts in file order), in
    row groups of ``ROW_GROUP`` rows: a territory's buyers are read from their row groups only. 12 contracts of 3
    buyers interleaved (A, B, C, A, B, C…), row groups of 5 rows: C's 4 contracts (lowest id) then B's then A's."""
    monkeypatch.setattr(national, "ROW_GROUP", 5)
    a, b, c = "21750001600019", "21593000700012", "21130055300016"
    lines = [f"U{i},{i},Marché,{(a, b, c)[i % 3]},Acheteur,55204599900869,SIRET,X,o,{1000 + i},45233140,p,12,"
             f"2024-01-{10 + i},Clause sociale,75056,Code commune,,U,0,true" for i in range(12)]
    source = tmp_path / "decp.csv"
    source.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "cache.parquet"
    national.clean_national(source, today=TODAY, parquet=target)
    table = pa.parquet.read_table(target)
    assert table["uid"].to_pylist() == ["U2", "U5", "U8", "U11", "U1", "U4", "U7", "U10", "U0", "U3", "U6", "U9"]
    assert table["rang"].to_pylist() == [3, 6, 9, 12, 2, 5, 8, 11, 1, 4, 7, 10]
    meta = pa.parquet.ParquetFile(target).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [5, 5, 2]
    column = table.schema.get_field_index("acheteur_id")
    stats = [meta.row_group(g).column(column).statistics for g in range(meta.num_row_groups)]
    assert [(s.min, s.max) for s in stats] == [(c, b), (b, a), (a, a)]
    assert list(national.buyers_contracts(target, {b})["uid"]) == ["U1", "U4", "U7", "U10"]
