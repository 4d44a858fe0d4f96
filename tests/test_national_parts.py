"""A national file larger than ``part_bytes`` is cleaned part by part: the same result as the whole file.

The fixture holds every group the DECP rules make, spread over the file so that its rows fall in different blocks:
versions of a contract far apart, repeated lines, duplicate contracts under another uid with the buyer written with
spaces, co-holders, a uid published by two buyers (the « mixed » part), rows without buyer or uid, quoted
multi-line objects with doubled quotes, rejected rows and flagged values.
"""

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from diversification.inputs import decp_rules as rules
from diversification.inputs import national

TODAY = date(2026, 1, 1)
HEADER = ("uid,id,nature,acheteur_id,acheteur_nom,titulaire_id,titulaire_typeIdentifiant,titulaire_nom,objet,montant,"
          "codeCPV,procedure,dureeMois,dateNotification,considerationsSociales,lieuExecution_code,"
          "lieuExecution_typeCode,idAccordCadre,formePrix,modification_id,donneesActuelles\n")
#: Buyers of several departments (SIRET prefixes 21 + department): the parts are ranges of buyers.
BUYERS = [f"21{d:02d}{i:03d}0000{i % 10}" for d in (1, 13, 33, 59, 75, 93) for i in range(7)]
HOLDERS = ["55204599900869", "73282932000074", "55204599900868"]


def _row(uid, ident, buyer, *, holder=HOLDERS[0], objet="objet", amount="1000", cpv="45233140", day="2024-01-10",
         social="Clause sociale", version="0", place="75"):
    return (f"{uid},{ident},Marché,{buyer},Acheteur {buyer},{holder},SIRET,Titulaire,{objet},{amount},{cpv},p,12,"
            f"{day},{social},{place},Code département,,U,{version},true")


def _fixture(path: Path, contracts: int = 400) -> None:
    rows = []
    for i in range(contracts):
        buyer = BUYERS[(i * 7) % len(BUYERS)]
        amount = ("NC", "\"1 500,50\"", str(2000 + i), "0")[i % 4] if i % 5 == 0 else str(1000 + i)
        cpv = ("4523314", "", "90910000-1", "45233140")[i % 4] if i % 9 == 0 else "45233140"
        day = ("2030-01-01", "2024-02-30", "12/03/2024", "")[i % 4] if i % 23 == 0 else f"2024-01-{1 + i % 28:02d}"
        objet = '"Nettoyage ""vitres""\nsur deux lignes"' if i % 17 == 0 else "objet"
        social = ("Clause sociale", "Critère social", "inconnue", "")[i % 4]
        rows.append(_row(f"{buyer}M{i}", f"M{i}", buyer, amount=amount, cpv=cpv, day=day, objet=objet, social=social,
                         holder=HOLDERS[i % 3], place=("75", "13", "NC")[i % 3]))
    spread = []
    for j in range(0, 40, 4):  # groups whose rows are far apart
        buyer = BUYERS[j]
        spread.append((j * 7, _row(f"{buyer}V{j}", f"V{j}", buyer, version="0")))
        spread.append((j * 7 + 150, _row(f"{buyer}V{j}", f"V{j}", buyer, version="1", amount="1800")))
        spread.append((j * 7 + 300, _row(f"{buyer}V{j}", f"V{j}", buyer, version="2", amount="abc")))
        spread.append((j * 7 + 60, _row(f"{buyer}M{j}", f"M{j}", buyer, holder=HOLDERS[1])))  # co-holder
        spread.append((j * 7 + 200, rows[j]))  # repeated line
        spaced = f"{buyer[:3]} {buyer[3:6]} {buyer[6:9]} {buyer[9:]}"
        spread.append((j * 7 + 250, _row(f"X{j}", f"D{j}", spaced, amount="777", day="2024-03-03")))
        spread.append((j * 7 + 20, _row(f"Y{j}", f"D{j}", buyer, amount="777", day="2024-03-03")))  # duplicate
        other = BUYERS[(j + 17) % len(BUYERS)]
        spread.append((j * 7 + 100, _row(f"S{j}", f"S{j}", buyer)))  # a uid published by two buyers
        spread.append((j * 7 + 330, _row(f"S{j}", f"S{j}", other, version="1", amount="500")))
    spread += [(33, _row("SANSACH", "Z1", "")), (66, _row("", "Z2", BUYERS[3])), (266, _row("", "Z2", BUYERS[3])),
               (99, _row("NC", "Z3", "NC"))]
    for position, line in sorted(spread, key=lambda p: p[0], reverse=True):
        rows.insert(position, line)
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parts") / "decp.csv"
    _fixture(path)
    return path


@pytest.fixture(scope="module")
def whole(source):
    return national.clean_national(source, today=TODAY)


def _same(result, whole):
    assert result.rows_read == whole.rows_read > 300
    assert result.table.equals(whole.table)
    assert result.rejets.equals(whole.rejets)
    assert result.motifs.equals(whole.motifs)
    assert list(result.exemples) == list(whole.exemples)
    for label, frame in whole.exemples.items():
        assert result.exemples[label].equals(frame), label


@pytest.mark.parametrize("part_bytes", [1024, 4096])
def test_parts_give_the_whole_file_result(source, whole, part_bytes):
    reasons = set(whole.rejets["motif"].to_pylist())
    assert {"doublon_ligne", "doublon_marche", "montant_modifie", "modification_illisible", "date_future",
            "date_illisible", "date_absente", "acheteur_absent", "cpv_invalide", "cpv_absent", "siret_invalide",
            "montant_hors_totaux", "consideration_inconnue"} <= reasons
    assert source.stat().st_size > 20 * part_bytes
    _same(national.clean_national(source, today=TODAY, part_bytes=part_bytes), whole)


def test_mixed_buyers_are_found_and_cleaned_together(source, tmp_path):
    con = rules.connect()
    try:
        blocks, mixed = national._split(source, 4096, tmp_path, con)
    finally:
        con.close()
    assert len(blocks) > 8 and sum(b.rows for b in blocks) == national._source(source).num_rows
    # the buyers of the uids S0, S4… and their partners: 10 pairs of buyers
    names = {BUYERS[j] for j in range(0, 40, 4)} | {BUYERS[(j + 17) % len(BUYERS)] for j in range(0, 40, 4)}
    assert len(mixed) == len(names)
    for block in blocks:  # each block sorted by buyer: prefix keys non-decreasing
        assert np.all(np.diff(block.keys.astype(np.float64)) >= 0)


def test_cache_sorted_by_buyer_across_parts(source, tmp_path, monkeypatch):
    """The parts follow each other in the buyers' order: the cache is the whole file's, row groups by buyer ranges."""
    monkeypatch.setattr(national, "ROW_GROUP", 64)
    one, parts = tmp_path / "un.parquet", tmp_path / "parties.parquet"
    national.clean_national(source, today=TODAY, parquet=one)
    result = national.clean_national(source, today=TODAY, parquet=parts, part_bytes=4096)
    assert result.table.num_rows == 0 and not list(tmp_path.glob("decp-parties-*"))
    assert pq.read_table(parts).equals(pq.read_table(one))
    meta = pq.ParquetFile(parts).metadata
    assert meta.num_row_groups > 8
    column = pq.read_schema(parts).get_field_index("acheteur_id")
    ranges = [(meta.row_group(g).column(column).statistics.min, meta.row_group(g).column(column).statistics.max)
              for g in range(meta.num_row_groups)]
    assert all(low <= high <= next_low for (low, high), (next_low, _) in zip(ranges, ranges[1:]))
    buyer = BUYERS[8]
    assert national.buyers_contracts(parts, {buyer}).equals(national.buyers_contracts(one, {buyer}))


def test_blocks_end_on_record_ends(tmp_path):
    long_value = '"' + "x\n" * 50 + '""y"""'
    text = "a,b\n1,2\n" + f"3,{long_value}\n" + "4,\"5\n6\"\n7,8"  # the last record without a newline
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode())
    for size in (1, 3, 10, 64, 1000):
        with open(path, "rb") as handle:
            blocks = [b.to_pybytes() for b in national._blocks(handle, size)]
        assert b"".join(blocks) == text.encode()
        for block in blocks:
            assert block.count(b'"') % 2 == 0
            assert block.endswith(b"\n") or block is blocks[-1]
    with open(path, "rb") as handle:
        assert [b.to_pybytes().decode() for b in national._blocks(handle, 10)][:2] == ["a,b\n1,2\n", f"3,{long_value}\n"]


def test_prefix_keys_follow_the_byte_order():
    values = ["21750001600019", "2175", "", "21", "2a", "213", "217500016", None, "z" * 20]
    keys = national._prefix_keys(pa.array(values))
    assert keys[values.index(None)] == 0 and keys[values.index("")] == 0
    ordered = sorted((v for v in values if v is not None), key=lambda v: v.encode())
    sorted_keys = national._prefix_keys(pa.array(ordered))
    assert np.all(sorted_keys[1:] >= sorted_keys[:-1])
    assert national._prefix_keys(pa.array(["21"]))[0] == int.from_bytes(b"21" + b"\0" * 6, "big")


def test_a_broken_block_is_named_in_french(source, tmp_path):
    """A row with a column too many, far into the file: refused in French, naming the file, as a whole file is."""
    from diversification.inputs.errors import InputError

    lines = source.read_text(encoding="utf-8").split("\n")
    lines[-20] += ",en trop"
    broken = tmp_path / "casse.csv"
    broken.write_text("\n".join(lines), encoding="utf-8")
    messages = []
    for part_bytes in (None, 4096):  # the whole file, then by parts (block files beside the cache)
        with pytest.raises(InputError) as error:
            national.clean_national(broken, today=TODAY, part_bytes=part_bytes, parquet=tmp_path / "cache.parquet")
        messages.append(str(error.value))
    assert all(m.startswith("Le fichier DECP « casse.csv » est illisible comme CSV (") for m in messages)
    assert "Expected 21 columns, got 22" in messages[1]
    assert not list(tmp_path.glob("decp-parties-*"))


def test_semicolons_bom_and_crlf_by_parts(source, whole, tmp_path):
    """The same file with « ; », a byte order mark and CRLF line ends (as some exports come): the same result by
    parts as the comma file whole (the first block skips the header, the blocks end after « \\r\\n »)."""
    import csv
    import io

    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows(rows)
    other = tmp_path / "pointvirgule.csv"
    other.write_text(text.getvalue(), encoding="utf-8-sig", newline="")
    assert other.read_bytes().startswith(b"\xef\xbb\xbfuid;id;") and other.read_bytes().count(b"\r\n") > 400
    _same(national.clean_national(other, today=TODAY, part_bytes=2048), whole)
