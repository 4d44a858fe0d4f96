"""National DECP export (decp-processing tabular CSV, ~1.5 million rows): DuckDB and Arrow fast path.

The rules are those of :mod:`diversification.inputs.decp_rules` (identifiers, dates, CPV codes, amounts,
holder SIRET, social considerations, places, duplicate key), also applied by :func:`decp.load_decp` to a
territory's files; this module reads the national CSV export and groups its rows (versions of a contract,
repeated lines, duplicate contracts). The useful columns
are read by ``pyarrow.csv`` (multithreaded, all as text, quoted newlines allowed); the narrow ones that
DuckDB reads are cleaned in Arrow (trimmed, missing-value tokens as nulls, only on the rows whose first
or last bytes or length may need it, a clean column left as it is), the others per distinct value.
DuckDB queries them in place (zero copy, view ``base``) only for what needs grouping: the rows of the
contracts found more than once (``versions``, over the rows whose key hash is shared; their first row,
versions, holders and repeated lines are then found in numpy) and, later, the duplicate contracts.
Everything else is numpy/Arrow over the rows of the file:
which rows are contracts and which are kept (boolean masks), and every column that depends on one or
two input columns (CPV code → segment and validity, date, duration, social considerations, place →
department, buyer and holder identifiers) computed by a small DuckDB query once per distinct value
and spread back by index; the output columns are taken from the Arrow columns by filters, in row
order. Two threads keep the 2 cores busy (Arrow, numpy and DuckDB release the GIL): the per-distinct-value
columns are computed in one, on a DuckDB cursor of its own, while the rows are cleaned and grouped; the
wide text columns are then filtered to the rows kept and cleaned the same way in it while the narrow output
columns are computed. The columns only looked up per distinct value are read as dictionaries.
The rare values that are not in the plain form (« 1 234,56 € », « 12/03/2024 ») are parsed by
the rules' parsers over their distinct values only; the SIRET Luhn key is checked with numpy
over the distinct holders (:func:`siret.siret_problems`). Rejects are one narrow table (reason, row, identifiers, value),
summarised as counts by reason plus the first rows of each reason (no Python object per row).

A CSV larger than :data:`PART_BYTES` (32 MB; the national export is about 430 MB for 1.5 million rows) is cleaned
part by part, so that the memory needed is that of a part, not of the file (:func:`_cleaned_parts`). A first pass
reads it in blocks of whole records (:func:`_blocks`, quotes counted so that a quoted newline never ends a block),
computes each row's cleaned buyer and contract-key hash (DuckDB, :data:`_ROUTE_KEYS`) and writes each block's useful
columns, sorted by buyer, to a temporary Arrow IPC file (beside the cache: about the size of those columns). Every
group the rules make (versions and repeated lines of a contract, duplicate contracts) lies within one buyer, except
a uid published by two buyers: such "mixed" buyers are cleaned together first. The other buyers are cut into ranges
of about one block's rows each (on their first 8 bytes, :func:`_prefix_keys`); each range is a part, read from the
memory-mapped block files in file order and cleaned exactly as a whole file (its rows keep their file row numbers),
then sorted by buyer and written while the next part is cleaned. The parts follow the buyers' order, so the cache is
sorted by buyer as from a whole file, and the result (table, rejects, examples) is the whole file's.

The cleaned table is cached as Parquet (written by pyarrow, :func:`_write_cache`), keyed on the SHA-256 of the file,
sorted by buyer so that :func:`buyers_contracts` reads only the row groups of a territory's buyers (the SIREN of a
commune or of a grouping of communes begins with 21 or 24 then its department: a territory's buyers are close).
:func:`load_territory_decp` turns that extract into the :class:`LoadResult` of :func:`decp.load_decp`
(same columns), for the territory runs.
"""

from __future__ import annotations

import csv
import ctypes
import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from diversification.inputs import decp_rules as rules
from diversification.inputs import errors
from diversification.inputs.decp import DECP_COLUMNS, FORMAT_CSV, unknown_social_notice
from diversification.inputs.errors import ACTION_VALUE_FLAGGED, InputError, RejectionLog
from diversification.inputs.parsing import normalize_header
from diversification.inputs.results import LoadResult
from diversification.inputs.segments import INDETERMINATE_SEGMENT
from diversification.inputs.siret import normalize_siret

CACHE_VERSION = "4"
#: Bytes of CSV per block of the reader (one chunk of each column, read by a thread).
READ_BLOCK = 1 << 20
EXAMPLES_PER_REASON = 5

#: Reasons (key → French label, action), as in the rejects log of :func:`decp.load_decp`.
REASONS = {
    "concession": ("contrat de concession : hors du champ de l'étude", "ligne rejetée"),
    "id_absent": ("identifiant du marché (id) absent", "ligne rejetée"),
    "acheteur_absent": ("identifiant de l'acheteur (acheteur.id) absent", "ligne rejetée"),
    "date_absente": ("date de notification absente", "ligne rejetée"),
    "date_illisible": ("date de notification impossible ou illisible", "ligne rejetée"),
    "date_future": ("date de notification postérieure à la date du jour", "ligne rejetée"),
    "cpv_absent": ("code CPV absent : marché conservé sous « segment indéterminé »", "valeur signalée"),
    "cpv_invalide": ("code CPV invalide : marché conservé sous « segment indéterminé »", "valeur signalée"),
    "doublon_ligne": ("marché en double : mêmes uid et titulaire", "doublon retiré"),
    "doublon_marche": ("marché en double (même id, acheteur, titulaire, montant et date)", "doublon retiré"),
    "montant_hors_totaux": ("montant absent, illisible, nul, inférieur à 1 € ou supérieur à 3 milliards",
                            "exclu des totaux"),
    "montant_modifie": ("montant initial remplacé par celui de la dernière modification", "montant mis à jour"),
    "modification_illisible": ("montant de modification illisible", "valeur ignorée"),
    "siret_invalide": ("SIRET du titulaire invalide", "valeur signalée"),
    "duree_illisible": ("durée en mois illisible (nombre entier attendu)", "valeur ignorée"),
    "consideration_inconnue": ("considération sociale inconnue du schéma officiel (attendu : Clause sociale, "
                               "Critère social, Marché réservé ou Pas de considération sociale)", "valeur ignorée"),
}
#: Reasons that remove the contract (the others flag a value of a contract kept).
REMOVING_REASONS = ["concession", "id_absent", "acheteur_absent", "date_absente", "date_illisible", "date_future",
                    "doublon_ligne", "doublon_marche"]

_COLUMNS = ["uid", "id", "acheteur_id", "acheteur_nom", "nature", "objet", "codeCPV", "procedure", "dureeMois",
            "dateNotification", "montant", "lieuExecution_code", "lieuExecution_typeCode", "titulaire_id",
            "titulaire_typeIdentifiant", "titulaire_nom", "considerationsSociales", "idAccordCadre", "formePrix",
            "modification_id", "type", "_type"]
_HEADER_MAP = {normalize_header(c): c for c in _COLUMNS} | {"titulaire_denominationsociale": "titulaire_nom"}
_SEPARATORS = [";", ",", "\t", "|"]
_REJECT_SCHEMA = pa.schema([("motif", pa.string()), ("rang", pa.int64()), ("uid", pa.string()),
                            ("id", pa.string()), ("acheteur_id", pa.string()), ("valeur", pa.string())])


@dataclass
class NationalResult:
    """Cleaned contracts (pyarrow table), rejects by reason, first rows of each reason.

    ``rejets``: one row per rejected contract or flagged value (``motif`` is a key of
    :data:`REASONS`, ``rang`` the 1-based data row of the file). ``rows_read``: contracts found.
    """

    table: pa.Table
    motifs: pd.DataFrame
    exemples: dict[str, pd.DataFrame]
    rows_read: int
    rejets: pa.Table | None = None
    cache: Path | None = None


def file_hash(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# --- reading ----------------------------------------------------------------------------------

def _official_names(names: list[str], path: Path) -> dict[str, str]:
    """Source column → official name (first match of each), mandatory columns checked."""
    mapping = {}
    for h in names:
        official = _HEADER_MAP.get(normalize_header(h))
        if official and official not in mapping.values():
            mapping[h] = official
    missing = [c for c in ("id", "acheteur_id", "dateNotification") if c not in mapping.values()]
    if missing:
        raise InputError(f"Le fichier DECP « {path.name} » : colonne(s) obligatoire(s) absente(s) : "
                         + ", ".join(f"« {c} »" for c in missing) + ".")
    return mapping


@dataclass
class _Layout:
    """How a national CSV is read: separator, positional column names, useful column → official name."""

    sep: str
    names: list[str]
    used: dict[str, str]


def _layout(path: Path) -> _Layout:
    """Separator and columns of a national CSV, from its first line (mandatory columns checked)."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(f"Le fichier DECP « {path.name} » est vide.")
    text = head.decode("utf-8-sig", errors="ignore")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header_line.count(sep) for sep in _SEPARATORS}
    sep = max(counts, key=counts.get)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=sep))]
    mapping = _official_names(header, path)
    index = {h: i for i, h in reversed(list(enumerate(header)))}
    return _Layout(sep, [f"c{i}" for i in range(len(header))],
                   {f"c{index[h]}": official for h, official in mapping.items()})


def _read_csv(source, layout: _Layout, path: Path, *, skip_rows: int = 1, dictionaries: bool = True) -> pa.Table:
    """The useful columns of a CSV (a path, or a buffer of whole records) as text, under their official names.

    ``pyarrow.csv``: multithreaded, all columns as text, quoted newlines allowed, only the useful columns
    converted; with ``dictionaries``, the columns of :data:`_READ_TYPES` as dictionaries.
    """
    used = layout.used
    types = {c: (_READ_TYPES.get(used[c], pa.string()) if dictionaries else pa.string()) for c in used}
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=layout.names, skip_rows=skip_rows, encoding="utf8",
                                           block_size=READ_BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=layout.sep, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(used),
                                                 strings_can_be_null=False),
            memory_pool=pa.default_memory_pool())  # jemalloc in clean_national: freed pages purged on release
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"Le fichier DECP « {path.name} » est illisible comme CSV ({exc}).") from None
    return table.rename_columns([used[c] for c in table.column_names])


def _source(path: Path) -> pa.Table:
    """The useful raw columns as text, under their official names (Arrow table, file order).

    A CSV is read by :func:`_read_csv`; a Parquet export by pyarrow (useful columns only, cast to text).
    """
    if path.suffix.lower() == ".parquet":
        mapping = _official_names(pq.read_schema(path).names, path)
        table = pq.read_table(path, columns=list(mapping))
        return pa.table({mapping[c]: pc.cast(table[c], pa.string()) for c in table.column_names})
    return _read_csv(path, _layout(path), path)


#: Text columns only carried to the output: kept in ``base`` and joined back by row number at the end.
_WIDE = ["acheteur_nom", "nature", "objet", "procedure", "titulaire_nom", "idAccordCadre", "formePrix"]
#: Narrow columns that DuckDB does not read: cleaned per distinct value only (:func:`rules.by_distinct`).
_LAZY = rules.VALUE_COLUMNS
#: They are read as dictionaries (few distinct values): each block of the CSV reader builds its own, unified by
#: :func:`rules.value_codes` (no text column, no encoding pass).
_READ_TYPES = {c: pa.dictionary(pa.int32(), pa.string()) for c in _LAZY}

#: A contract's key: its uid, or its buyer and id when it has none (versions of a contract share it).
_CONTRACT_KEY = "coalesce(uid, coalesce(acheteur_id, '') || coalesce(id, ''))"

_BASE = """
CREATE TEMP VIEW {name} AS
SELECT rang, uid, id, acheteur_id, montant,
       CASE WHEN sepy THEN holder_id(titulaire_id, titulaire_typeIdentifiant) ELSE titulaire_id END AS titulaire_id,
       titulaire_typeIdentifiant,
       {key} AS k,
       coalesce(TRY_CAST(modification_id AS DOUBLE), 0) AS v
FROM (SELECT rang, sepy, {columns} FROM {source})
"""

#: Rows of the contracts found more than once (grouped by :func:`_multi`), from the view ``shared`` (as
#: ``base``, over the rows whose key hash is shared: a superset, a key found once is dropped here); ``g``
#: numbers the contracts.
_VERSIONS = """
SELECT b.rang, s.g, b.k, b.v, coalesce(b.titulaire_id, '') AS h, b.montant, b.uid, b.id, b.acheteur_id, s.vmin, s.vmax
FROM shared b JOIN (SELECT k, min(v) AS vmin, max(v) AS vmax, row_number() OVER () AS g
                    FROM shared GROUP BY k HAVING count(*) > 1) s ON b.k = s.k
"""


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal versions as DuckDB compares them (NaN equal to NaN)."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _multi(versions: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The contracts found more than once, from their rows (:data:`_VERSIONS`), and their repeated lines.

    One row a contract: ``r0`` its first row (lowest version, then lowest row), ``nv`` its number of
    versions, ``modification`` the amount of the first row of the highest version (when more than one),
    ``nb_titulaires`` and ``titulaires_ids`` the distinct non-empty holders of the lowest version in the
    order of their first row, joined by « | » (null when none). Repeated lines (``doublon_ligne``, value
    the key): the other rows of the lowest version with the holder of the first row.
    """
    g, v, rang = versions["g"].to_numpy(), versions["v"].to_numpy(), versions["rang"].to_numpy()
    order = np.lexsort((rang, v, g))
    g, v, rang = g[order], v[order], rang[order]
    take = pa.array(order)
    start = np.ones(len(g), dtype=bool)
    start[1:] = g[1:] != g[:-1]
    group = np.cumsum(start) - 1  # contract of each row, numbered in order
    new_version = start.copy()
    new_version[1:] |= ~_same(v[1:], v[:-1])
    nv = np.bincount(group, weights=new_version, minlength=int(start.sum())).astype(np.int64)

    def firsts(mask: np.ndarray) -> np.ndarray:
        """The first row (in sorted order) of each contract among the rows of ``mask``."""
        rows = np.flatnonzero(mask)
        head = np.ones(len(rows), dtype=bool)
        head[1:] = group[rows[1:]] != group[rows[:-1]]
        return rows[head]

    at_min = _same(v, versions["vmin"].to_numpy()[order])
    first = firsts(at_min)
    latest = firsts(_same(v, versions["vmax"].to_numpy()[order]))
    holder = versions["h"].take(take)
    h0 = holder.take(pa.array(first))
    # the distinct holders of the lowest version (rows in row order within a contract), first row of each
    named = np.flatnonzero(at_min & np.asarray(pc.not_equal(holder, "")))
    holder_code, _ = rules.value_codes(holder.take(pa.array(named)))
    pair = pd.Series(group[named] * (int(holder_code.max(initial=0)) + 1) + holder_code).duplicated().to_numpy()
    named = named[~pair]
    counts = np.bincount(group[named], minlength=len(first)).astype(np.int64)
    offsets = np.zeros(len(first) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    lists = pa.ListArray.from_arrays(pa.array(offsets), holder.take(pa.array(named)).combine_chunks(),
                                     mask=pa.array(counts == 0))
    multi = pa.table({
        "r0": rang[first], "nv": nv,
        "modification": pc.if_else(pa.array(nv > 1), versions["montant"].take(pa.array(order[latest])),
                                   pa.scalar(None, pa.string())),
        "nb_titulaires": counts, "titulaires_ids": pc.binary_join(lists, "|")})
    repeated = at_min & (rang != rang[first][group]) & np.asarray(pc.equal(holder, h0.take(pa.array(group))))
    rows = pa.array(order[repeated])
    repeats = pa.table({"motif": pa.array(["doublon_ligne"] * int(repeated.sum()), pa.string()),
                        "rang": rang[repeated], **{c: versions[c].take(rows) for c in ("uid", "id", "acheteur_id")},
                        "valeur": versions["k"].take(rows)})
    return multi, repeats


#: Duplicate contracts (same :data:`rules.DUPLICATE_KEY`: id, buyer, holder, amount and date) among the contracts kept (the registered
#: Arrow table ``kept``, in row order; buyer, holder and date as integer keys): the candidates are the rows
#: whose hash of the five values is shared (a group by one integer, not five columns); a hash collision
#: only adds rows alone in their exact partition, which ``row_number`` keeps.
_KEY = ", ".join(rules.DUPLICATE_KEY)
_DUPLICATES = f"""
WITH kk AS NOT MATERIALIZED (SELECT rang, {_KEY}, hash({_KEY}) AS hh FROM kept)
SELECT rang FROM (
    SELECT k.rang, row_number() OVER (PARTITION BY {", ".join("k." + c for c in rules.DUPLICATE_KEY)}
                                      ORDER BY k.rang) AS n
    FROM kk k SEMI JOIN (SELECT hh FROM kk GROUP BY hh HAVING count(*) > 1) g ON k.hh = g.hh
) WHERE n > 1
"""

#: The distinct amounts and modification amounts not in the plain form (parsed by :func:`rules.parse_numbers`).
_ODD_AMOUNTS = """SELECT DISTINCT x FROM (SELECT montant AS x FROM base UNION ALL SELECT modification FROM multi)
WHERE x IS NOT NULL AND NOT plain_number(x)"""

#: The contracts found more than once: first row, modification (parsed as ``odd_numbers`` says) and holders.
_MULTI_ROWS = """
SELECT r0, nv, CASE WHEN mo.text IS NULL THEN TRY_CAST(modification AS DOUBLE) ELSE mo.value END AS modif_num,
       coalesce(mo.bad, false) AS modif_bad, nb_titulaires, titulaires_ids
FROM multi m LEFT JOIN odd_numbers mo ON m.modification = mo.text
ORDER BY r0
"""

_OUTPUT_COLUMNS = ["uid", "id", "acheteur_id", "acheteur_nom", "nature", "nature_achat", "objet", "codeCPV",
                   "procedure", "dureeMois", "dateNotification", "annee", "montant", "montant_final",
                   "montant_valide", "lieuExecution_code", "lieuExecution_typeCode", "titulaire_id",
                   "titulaire_typeIdentifiant", "titulaire_nom", "titulaires_ids", "nb_titulaires",
                   "titulaire_siret_valide", "considerationsSociales", "consideration_sociale", "clause_sociale",
                   "critere_social", "marche_reserve", "idAccordCadre", "formePrix", "nb_modifications", "rang",
                   "segment", "departement"]




#: Bytes of the separators removed from a SIRET (:data:`rules.SEPARATORS_RE`: RE2's ASCII white space, « . », « - »,
#: and the lead bytes C2 of U+00A0 and E2 of U+202F).
_SEP_BYTES = np.zeros(256, dtype=bool)
_SEP_BYTES[[ord(c) for c in "\t\n\f\r .-"] + [0xC2, 0xE2]] = True


def _has_bytes(column: pa.ChunkedArray, wanted: np.ndarray) -> np.ndarray:
    """Rows whose value holds some byte of ``wanted`` (boolean table of 256), from the data buffers."""
    found = np.zeros(len(column), dtype=bool)
    row = 0
    for chunk in column.chunks:
        size = len(chunk)
        data = chunk.buffers()[2] if size else None
        if data is not None and data.size:
            offsets = np.frombuffer(chunk.buffers()[1], np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
            offsets = offsets[chunk.offset:chunk.offset + size + 1].astype(np.int64)
            hits = np.nonzero(wanted[np.frombuffer(data, np.uint8)[offsets[0]:offsets[-1]]])[0] + offsets[0]
            if len(hits):  # the row of each hit: the last offset at or before it
                found[row + np.searchsorted(offsets, hits, side="right") - 1] = True
        row += size
    return found


def _load(con, raw: pa.Table) -> tuple[pa.Table, pa.Table]:
    """View ``base`` over the registered Arrow table ``raw`` of the narrow columns, cleaned by
    :func:`rules.clean_text` (trimmed, ``NC``/empty → null), with ``rang``; view ``shared``, the same over the
    rows whose contract key (``k``) has a hash found more than once (registered ``raw_shared``): the
    versions of a contract are grouped there, not over the whole file.

    Returns the raw wide text columns (:data:`_WIDE`), cleaned later for the contracts kept only, and
    the table of the cleaned narrow columns (registered as ``raw``).
    """
    present = set(raw.column_names)
    narrow = [c for c in raw.column_names if c not in _WIDE]
    columns = [(c if c in present else f"NULL::VARCHAR AS {c}") for c in _COLUMNS if c not in _WIDE + _LAZY]
    table = pa.table({c: raw[c] if c in _LAZY or c == "modification_id" else rules.clean_text(raw[c]) for c in narrow})
    table = table.append_column("rang", pa.array(np.arange(1, raw.num_rows + 1, dtype=np.int64)))
    # only the holders with a separator byte go through a regex (``nosep``), the others are kept as they are
    sepy = (_has_bytes(raw["titulaire_id"], _SEP_BYTES) if "titulaire_id" in present
            else np.zeros(raw.num_rows, dtype=bool))
    table = table.append_column("sepy", pa.array(sepy))
    con.register("raw", table)
    con.execute(_BASE.format(name="base", source="raw", columns=", ".join(columns), key=_CONTRACT_KEY))
    # a hash collision only adds rows of keys found once, which the exact grouping of _VERSIONS drops
    key_hash = con.sql("SELECT hash(k) AS h FROM base").to_arrow_table()["h"].to_numpy()
    shared = pa.array(pd.Series(key_hash).duplicated(keep=False).to_numpy())
    con.register("raw_shared", table.select([c for c in table.column_names if c not in _LAZY]).filter(shared))
    con.execute(_BASE.format(name="shared", source="raw_shared", columns=", ".join(columns), key=_CONTRACT_KEY))
    return raw.select([c for c in raw.column_names if c in _WIDE]), table


def _clean_wide(wide: dict[str, pa.ChunkedArray], kept: np.ndarray) -> pa.Table:
    """The wide text columns of the rows kept (boolean mask in file order), cleaned as ``base`` (after the
    filter: the cleaning is row by row), in row order. ``wide`` (raw column by name) is emptied: each raw
    column is released as soon as it is filtered."""
    mask = pa.array(kept)
    count = int(kept.sum())
    return pa.table({c: rules.clean_text(wide.pop(c).filter(mask)) if c in wide else pa.nulls(count, pa.string())
                     for c in _WIDE})



def _run(connection: Callable[[], object], read: Callable[[], pa.Table], today: date
         ) -> tuple[pa.Table, pa.Table, int, pa.ChunkedArray]:
    """Cleaned contracts (output columns and the flag columns of :data:`_FLAG_NAMES`, in row order),
    the rejects of the removed rows, the number of contracts found, and the texts of the amounts
    out of the totals (in row order).

    DuckDB finds the rows of the contracts found more than once (``versions``, over the view ``shared``),
    grouped by :func:`_multi` (registered as ``multi`` for the amounts' queries);
    the contracts (one row a contract), their reasons, values and flags are computed in numpy/Arrow,
    each column that depends on one or two input columns once per distinct value (:func:`rules.lookups`, in a
    thread on a DuckDB cursor of its own while the rows are cleaned and grouped here);
    DuckDB again only finds the duplicate contracts among the contracts kept. ``read()``: the useful columns
    of the file (:func:`_source`) or of one part of it, held here only (released as soon as cleaned);
    ``connection()``: the DuckDB connection, asked for once the file is read (:func:`clean_national` starts it meanwhile; its temporary tables are made here: a
    fresh cursor for each part).
    """
    raw = read()
    con = connection()
    # the per-distinct-value columns, from the raw columns, on their own DuckDB connection in a thread,
    # while the rows are cleaned and grouped here (dictionary encodings and DuckDB release the GIL); then
    # the wide columns in that thread; on an error, the thread ends before the connection is closed
    with ThreadPoolExecutor(max_workers=2) as pool:
        lazy = {c: raw[c] for c in rules.LOOKUP_COLUMNS if c in raw.column_names}
        lookups = pool.submit(rules.lookups, con.cursor(), lazy, raw.num_rows, today)
        del lazy
        wide, table = _load(con, raw)
        del raw
        versions = con.sql(_VERSIONS).to_arrow_table()
        con.execute("DROP VIEW shared")
        con.unregister("raw_shared")
        multi, repeats = _multi(versions)
        in_versions = versions["rang"].to_numpy() - 1
        del versions
        con.register("multi", multi)
        rules.register_map(con, "odd_numbers", rules.odd_numbers(con, _ODD_AMOUNTS), rules.NUMBER_SCHEMA)
        multi = con.sql(_MULTI_ROWS).to_arrow_table()
        con.unregister("multi")
        con.execute("DROP VIEW base")
        con.unregister("raw")
        pa.system_memory_pool().release_unused()  # DuckDB's freed memory (malloc) back to the system
        n = table.num_rows

        def column(name: str) -> pa.ChunkedArray:
            return table[name] if name in table.column_names else pa.chunked_array([pa.nulls(n, pa.string())])

        # the contracts: the rows of a contract found once, and the first row of the others
        is_contract = np.ones(n, dtype=bool)
        is_contract[in_versions] = False
        first_rows = multi["r0"].to_numpy() - 1
        is_contract[first_rows] = True
        rows_read = int(is_contract.sum())

        def pick(name: str, mask: np.ndarray) -> pa.ChunkedArray:
            """The values of the rows of ``mask`` (a filter goes chunk by chunk, a take would join the chunks)."""
            return column(name).filter(pa.array(mask))

        # reasons that remove a contract, in the order of the checks (one code per row of the file)
        found = lookups.result()
        code, by_type = found["type"]
        concession = rules.flags(by_type, "concession")[code]
        date_code, by_date = found["date"]
        cpv_code, by_cpv = found["cpv"]
        reason_keys = ["concession", "id_absent", "acheteur_absent", "date_absente", "date_illisible", "date_future"]
        reason = np.select([concession, ~rules.valid(column("id")), ~rules.valid(column("acheteur_id")),
                            rules.bools(pc.is_null(by_date["text"]))[date_code],
                            rules.flags(by_date, "illisible")[date_code], rules.flags(by_date, "future")[date_code]],
                           np.arange(1, len(reason_keys) + 1, dtype=np.int8), 0)
        reason[~is_contract] = 0
        rejected = reason > 0
        motif = pa.array(reason_keys, pa.string()).take(pa.array(reason[rejected] - 1))
        removed = pa.table({
            "motif": motif, "rang": pa.array(np.flatnonzero(rejected) + 1),
            "uid": pick("uid", rejected), "id": pick("id", rejected), "acheteur_id": pick("acheteur_id", rejected),
            "valeur": pc.case_when(
                pc.make_struct(pc.equal(motif, "concession"), pc.is_in(motif, pa.array(["date_illisible", "date_future"]))),
                rules.spread(by_type, "text", code[rejected]), rules.spread(by_date, "text", date_code[rejected]))})

        # the contracts kept: values for the duplicate search
        kept = is_contract & ~rejected
        buyer_code, by_buyer = found["buyer"]
        holder_code, by_holder = found["holder"]
        odd = con.sql("SELECT * FROM odd_numbers").to_arrow_table()
        amount, amount_ok = rules.number_from_map(pick("montant", kept), odd)
        same_buyer = rules.value_codes(by_buyer["acheteur_id"])[0]  # equal cleaned values, equal keys
        same_holder = rules.value_codes(by_holder["titulaire_id"])[0]
        k_rows = np.flatnonzero(kept)
        con.register("kept", pa.table({
            "rang": k_rows + 1, "id": pick("id", kept), "acheteur_id": same_buyer[buyer_code[kept]],
            "titulaire_id": same_holder[holder_code[kept]], "montant": pa.array(amount, mask=~amount_ok),
            "dateNotification": by_date["date_notif"].combine_chunks().take(pa.array(date_code[kept]))}))
        duplicate_rangs = con.sql(_DUPLICATES).to_arrow_table()["rang"].to_numpy()
        con.unregister("kept")
        duplicate = np.zeros(n, dtype=bool)
        duplicate[duplicate_rangs - 1] = True
        d_id = pick("id", duplicate)
        removed_duplicates = pa.table({
            "motif": pa.array(["doublon_marche"] * len(duplicate_rangs), pa.string()),
            "rang": pa.array(np.flatnonzero(duplicate) + 1), "uid": pick("uid", duplicate), "id": d_id,
            "acheteur_id": rules.spread(by_buyer, "acheteur_id", buyer_code[duplicate]), "valeur": d_id})

        # the output: the contracts kept that are no duplicates, in row order
        out = kept & ~duplicate
        # the wide columns (the largest) filtered and cleaned in a thread, while the narrow output columns are
        # computed here (Arrow and numpy release the GIL); each raw column is released once filtered
        wide = {c: wide[c] for c in wide.column_names}  # emptied by _clean_wide
        wide = pool.submit(_clean_wide, wide, out)
        keep = ~duplicate[kept]
        amount, amount_ok = amount[keep], amount_ok[keep]
        buyer_code, holder_code, date_code, cpv_code = buyer_code[out], holder_code[out], date_code[out], cpv_code[out]
        multi_index = np.full(n, -1, dtype=np.int64)
        multi_index[first_rows] = np.arange(len(first_rows))
        m = multi_index[out]
        is_multi = m >= 0
        size = len(m)
        m_at = pa.array(m[is_multi])
        modif = np.full(size, np.nan)
        modif_ok = np.zeros(size, dtype=bool)
        modif_col = multi["modif_num"].combine_chunks().take(m_at)
        modif[is_multi] = modif_col.to_numpy(zero_copy_only=False)
        modif_ok[is_multi] = np.asarray(modif_col.is_valid())
        modif_bad = np.zeros(size, dtype=bool)
        modif_bad[is_multi] = rules.flags(multi, "modif_bad")[m[is_multi]]
        nb_modifications = np.zeros(size, dtype=np.int64)
        nb_modifications[is_multi] = multi["nv"].to_numpy()[m[is_multi]] - 1
        hors_totaux = ~rules.amount_in_totals(amount, amount_ok) | (
            modif_ok & ~rules.amount_in_totals(modif, modif_ok))
        final_ok = modif_ok | amount_ok
        holder = rules.spread(by_holder, "titulaire_id", holder_code)
        nb_holders = np.asarray(holder.is_valid()).astype(np.int64)
        nb_holders[is_multi] = multi["nb_titulaires"].to_numpy()[m[is_multi]]
        holders = pc.replace_with_mask(holder, pa.array(is_multi),
                                       multi["titulaires_ids"].combine_chunks().take(m_at).cast(pa.string()))
        is_siret, siret_reason, siret_valid = found["siret"]
        dur_code, by_duration = found["duration"]
        dur_code = dur_code[out]
        soc_code, by_social = found["social"]
        soc_code = soc_code[out]
        place_code, by_place = found["place"]
        place_code = place_code[out]
        segments = found["segments"]
        del found
        values = {
            "uid": pick("uid", out), "id": pick("id", out),
            "acheteur_id": rules.spread(by_buyer, "acheteur_id", buyer_code),
            "nature_achat": rules.spread(by_cpv, "nature_achat", cpv_code), "codeCPV": rules.spread(by_cpv, "codeCPV", cpv_code),
            "dureeMois": rules.spread(by_duration, "dureeMois", dur_code),
            "dateNotification": rules.spread(by_date, "date_notif", date_code), "annee": rules.spread(by_date, "annee", date_code),
            "montant": pa.array(amount, mask=~amount_ok),
            "montant_final": pa.array(np.where(modif_ok, modif, amount), mask=~final_ok),
            "montant_valide": pa.array(~hors_totaux),
            "lieuExecution_code": rules.spread(by_place, "code", place_code),
            "lieuExecution_typeCode": rules.spread(by_place, "typ", place_code),
            "titulaire_id": holder, "titulaire_typeIdentifiant": pick("titulaire_typeIdentifiant", out),
            "titulaires_ids": holders, "nb_titulaires": pa.array(nb_holders),
            "titulaire_siret_valide": siret_valid.take(pa.array(holder_code)),
            **{c: rules.spread(by_social, c, soc_code) for c in ("considerationsSociales", "consideration_sociale",
                                                           "clause_sociale", "critere_social", "marche_reserve")},
            "nb_modifications": pa.array(nb_modifications), "rang": pa.array(np.flatnonzero(out) + 1),
            "segment": pc.fill_null(segments.take(pa.array(cpv_code)), INDETERMINATE_SEGMENT), "departement": rules.spread(by_place, "departement", place_code),
            # flags of values (rejects, see :func:`_flag_rejects`)
            "modif_num": pa.array(modif, mask=~modif_ok), "modif_bad": pa.array(modif_bad),
            "duree_bad": rules.spread(by_duration, "duree_bad", dur_code),
            "cpv_absent": pc.is_null(rules.spread(by_cpv, "text", cpv_code)),
            "cpv_invalide": rules.spread(by_cpv, "invalide", cpv_code), "cpv_text": rules.spread(by_cpv, "text", cpv_code),
            "siret_bad": pc.and_(pa.array(is_siret), pc.is_valid(siret_reason)).take(pa.array(holder_code)),
        "social_bad": rules.spread(by_social, "social_bad", soc_code),
        }
        bad_amount = np.zeros(n, dtype=bool)
        bad_amount[np.flatnonzero(out)[hors_totaux]] = True
        invalid_amounts = pick("montant", bad_amount)  # the texts of the amounts out of the totals, in row order
        del table, column, pick
        wide = wide.result()
        pa.default_memory_pool().release_unused()
        output = pa.table({c: wide[c] if c in _WIDE else values[c] for c in _OUTPUT_COLUMNS + _FLAG_NAMES})
        removed = pa.concat_tables([repeats.cast(_REJECT_SCHEMA), removed.cast(_REJECT_SCHEMA),
                                    removed_duplicates.cast(_REJECT_SCHEMA)])
        return output, removed, rows_read, invalid_amounts


_FLAG_NAMES = ["modif_num", "modif_bad", "duree_bad", "siret_bad", "social_bad", "cpv_absent", "cpv_invalide",
               "cpv_text"]


def _flag_rejects(con, output: pa.Table, invalid_amounts: pa.ChunkedArray) -> pa.Table:
    """Rejects of the values flagged on the contracts kept (``output`` has the final and flag columns;
    ``invalid_amounts``: the texts of the amounts out of the totals), by reason in the order of
    :data:`REASONS`, each in row order. A replaced amount is written as DuckDB writes a ``DOUBLE``
    as text (a small query over those amounts only)."""
    modified = pc.is_valid(output["modif_num"])
    con.register("modified", pa.table({"i": np.arange(pc.sum(modified).as_py() or 0, dtype=np.int64),
                                       "v": output["modif_num"].filter(modified)}))
    amounts = con.sql("SELECT v::VARCHAR AS t FROM modified ORDER BY i").to_arrow_table()["t"]
    con.unregister("modified")
    ids = output.select(["rang", "uid", "id", "acheteur_id"])
    holder_bad = output["siret_bad"]
    parts = []
    for motif, mask, value in (  # value: the texts of the rows of ``mask``, or None
            ("cpv_absent", output["cpv_absent"], None),
            ("cpv_invalide", output["cpv_invalide"], output["cpv_text"].filter(output["cpv_invalide"])),
            ("montant_hors_totaux", pc.invert(output["montant_valide"]), invalid_amounts),
            ("montant_modifie", modified, amounts), ("modification_illisible", output["modif_bad"], None),
            ("siret_invalide", holder_bad, output["titulaire_id"].filter(holder_bad)),
            ("duree_illisible", output["duree_bad"], None),
            ("consideration_inconnue", output["social_bad"], output["considerationsSociales"].filter(output["social_bad"]))):
        rows = ids.filter(mask)
        parts.append(pa.table({"motif": pa.array([motif] * rows.num_rows, pa.string()),
                               **{c: rows[c] for c in rows.column_names},
                               "valeur": pa.nulls(rows.num_rows, pa.string()) if value is None else value}
                              ).cast(_REJECT_SCHEMA))
    return pa.concat_tables(parts)


def _summaries(rejets: pa.Table) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Counts by reason (in the order of :data:`REASONS`) and the first rows of each reason (Arrow, not pandas).

    The reasons are told apart by one dictionary encoding (numpy masks, not a text comparison per reason),
    and the first rows of all reasons taken at once.
    """
    codes, names = rules.value_codes(rejets["motif"])
    tallies = np.bincount(codes, minlength=len(names))
    index = {name: i for i, name in enumerate(names.to_pylist())}
    order = [r for r in REASONS if r in index and tallies[index[r]]]
    motifs = pd.DataFrame([(REASONS[r][0], REASONS[r][1], int(tallies[index[r]])) for r in order],
                          columns=["motif", "action", "nombre"])
    rang = rejets["rang"].to_numpy()
    firsts = []
    for reason in order:
        rows = np.flatnonzero(codes == index[reason])
        if len(rows) > EXAMPLES_PER_REASON:
            rows = rows[np.argpartition(rang[rows], EXAMPLES_PER_REASON)[:EXAMPLES_PER_REASON]]
        firsts.append(rows[np.argsort(rang[rows])])
    chosen = rejets.drop_columns("motif").take(pa.array(np.concatenate(firsts) if firsts else [], pa.int64()))
    exemples, start = {}, 0
    for reason, rows in zip(order, firsts):
        exemples[REASONS[reason][0]] = chosen.slice(start, len(rows)).to_pandas()
        start += len(rows)
    return motifs, exemples


#: Rows per row group of the cache: a territory's buyers are read by row group (pruned on ``acheteur_id``).
ROW_GROUP = 65536


def _buyer_order(table: pa.Table) -> pa.Array:
    """The order of the cache: by buyer (byte order, a missing one first, as :func:`_prefix_keys` orders them), then
    by row."""
    return pc.sort_indices(table, sort_keys=[("acheteur_id", "ascending", "at_start"), ("rang", "ascending", "at_start")])


def _write_cache(table: pa.Table, target: Path) -> None:
    """The cleaned table (rows in row order) as Parquet sorted by buyer then row, by pyarrow.

    One sort gives the order (:func:`_buyer_order`, also that of the parts); each row group is
    taken from the columns when it is written (never a sorted copy of the whole table), a thread taking the next
    one while the writer encodes the current one. The columns keep the reader's chunks: joining them first makes
    the takes faster (about 0.4 s on 1.35 M contracts) but holds a second copy of the table for a while (about
    130 MB more at the peak), measured in benchmarks/README.md. Plain encoding (no dictionaries): as fast to read
    back, smaller with zstd on these columns.
    """
    order = _buyer_order(table)
    starts = range(0, len(order), ROW_GROUP)

    def rows(start: int) -> pa.Table:
        return table.take(order[start:start + ROW_GROUP])

    with pq.ParquetWriter(target, table.schema, compression="zstd", use_dictionary=False) as writer, \
            ThreadPoolExecutor(max_workers=1) as taker:
        taking = taker.submit(rows, 0)
        for start in starts:
            group = taking.result()
            if start + ROW_GROUP < len(order):
                taking = taker.submit(rows, start + ROW_GROUP)
            writer.write_table(group, row_group_size=ROW_GROUP)
        if not len(order):
            writer.write_table(table)


# --- a large file, part by part ---------------------------------------------------------------

#: Arrow's default decay of its jemalloc arenas (milliseconds, since ARROW-6910), set back after a run by parts
#: (the setting only applies to the arenas made after it).
JEMALLOC_DECAY_MS = 1000
#: A CSV larger than this is cleaned part by part (about this many bytes of CSV each), which bounds the memory.
PART_BYTES = 32 << 20

#: Per row of a block: the hash of the contract key (:data:`_CONTRACT_KEY`), the buyer as :data:`rules.BUYER_RULE`
#: cleans it (:func:`rules.buyer_sql`), and its hash (from the columns cleaned by :func:`rules.clean_text`, as ``base`` and the lookups do).
_ROUTE_KEYS = f"""
SELECT hash({_CONTRACT_KEY}) AS hk, hash(nb) AS hb, nb
FROM (SELECT uid, id, acheteur_id, {rules.buyer_sql("acheteur_id")} AS nb FROM blk)
"""


def _record_end(data: bytes) -> int | None:
    """Offset just after the last newline of ``data`` (starting at a record's start) that ends a record (an even
    number of quotes before it); None when there is none. The quotes after each newline tried are counted once (a
    long quoted tail is not counted again for every newline in it)."""
    def quotes(lo: int, hi: int) -> int:
        return int(np.count_nonzero(np.frombuffer(data, np.uint8, hi - lo, lo) == 34)) if hi > lo else 0

    end = len(data)
    total, after = quotes(0, end), 0
    while True:
        newline = data.rfind(b"\n", 0, end)
        if newline < 0:
            return None
        after += quotes(newline + 1, end)
        if (total - after) % 2 == 0:
            return newline + 1
        end = newline


def _blocks(handle, size: int) -> Iterator[pa.Buffer]:
    """The bytes of a CSV file (``handle``, binary) in blocks of about ``size`` bytes, each made of whole records
    (quoted newlines kept inside); a record longer than ``size`` makes a longer block, the last record may lack its
    newline. Each block is read once (the few bytes after its last record are read again with the next one)."""
    start = 0
    while True:
        handle.seek(start)
        data = handle.read(size)
        if not data:
            return
        cut = _record_end(data) if len(data) == size else len(data)
        while cut is None:  # no record ends in this block: take more bytes (a value longer than a block)
            more = handle.read(size)
            data += more
            cut = _record_end(data) if len(more) == size else len(data)
        yield pa.py_buffer(data).slice(0, cut)
        start += cut


def _prefix_keys(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The first 8 bytes of each text as a big-endian integer (zero-padded, 0 for a null): the integers are in
    the byte order of the texts (a shorter text, a prefix of another, comes first or equal)."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    array = array.cast(pa.string())
    n = len(array)
    if not n:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.frombuffer(array.buffers()[1], np.int32)[array.offset:array.offset + n + 1].astype(np.int64)
    buffer = array.buffers()[2]
    data = np.frombuffer(buffer, np.uint8) if buffer is not None and buffer.size else np.zeros(0, np.uint8)
    index = offsets[:-1, None] + np.arange(8)
    inside = index < offsets[1:, None]
    data = np.append(data, np.uint8(0))
    head = np.where(inside, data[np.minimum(index, len(data) - 1)], 0).astype(np.uint8)
    return np.ascontiguousarray(head).view(">u8").ravel().astype(np.uint64)


@dataclass
class _Block:
    """One block of the file, written sorted by buyer then row: its file, its rows and, per sorted row, the buyer's
    prefix key (:func:`_prefix_keys`) and hash (both dropped once used), the file row, and whether the buyer is
    cleaned in the mixed part."""

    file: Path
    rows: int
    keys: np.ndarray | None
    hb: np.ndarray | None
    rang: np.ndarray
    mixed: np.ndarray | None = None


def _split(path: Path, part_bytes: int, folder: Path, con) -> tuple[list[_Block], np.ndarray]:
    """The file read in blocks of whole records (:func:`_blocks`; the next block read by pyarrow in a thread while one
    is processed), each block's useful columns written to an Arrow IPC file (uncompressed: a part maps it and reads
    only its rows' pages) sorted by cleaned buyer then row, with ``rang`` (the row of the file, 1-based) and ``_hb``
    (the buyer's hash).

    Returns the blocks and the hashes of the "mixed" buyers: those sharing a contract key (``k``: a uid
    published by two buyers) with another buyer, whose rows are cleaned together in one part.
    """
    layout = _layout(path)
    blocks, key_hashes = [], []
    offset = 0
    with open(path, "rb") as handle, ThreadPoolExecutor(max_workers=1) as reading:
        pieces = enumerate(_blocks(handle, part_bytes))

        def read_next() -> pa.Table | None:
            """The next block's useful columns (None after the last), read in a thread while one is processed."""
            number, data = next(pieces, (None, None))
            if data is None:
                return None
            return _read_csv(pa.BufferReader(data), layout, path, skip_rows=1 if number == 0 else 0,
                             dictionaries=False)

        upcoming = reading.submit(read_next)
        for number in itertools.count():
            table = upcoming.result()
            if table is None:
                break
            upcoming = reading.submit(read_next)
            n = table.num_rows
            rang = pa.array(np.arange(offset + 1, offset + n + 1, dtype=np.int64))
            offset += n
            con.register("blk", pa.table({c: rules.clean_text(table[c]) if c in table.column_names
                                          else pa.chunked_array([pa.nulls(n, pa.string())])
                                          for c in ("uid", "id", "acheteur_id")}))
            found = con.sql(_ROUTE_KEYS).to_arrow_table()
            con.unregister("blk")
            order = pc.sort_indices(pa.table({"nb": found["nb"], "rang": rang}),
                                    sort_keys=[("nb", "ascending", "at_start"), ("rang", "ascending", "at_start")])
            table = table.append_column("rang", rang).append_column("_hb", found["hb"]).take(order).combine_chunks()
            file = folder / f"bloc-{number:05d}.arrow"
            with pa.ipc.new_file(file, table.schema) as writer:
                writer.write_table(table)
            blocks.append(_Block(file, n, _prefix_keys(found["nb"].take(order)),
                                 found["hb"].take(order).to_numpy(),
                                 rang.take(order).to_numpy().astype(np.int32)))
            key_hashes.append(found["hk"].take(order).to_numpy())  # in the order of the block's buyer hashes
            del table, found
    pairs = pd.DataFrame({"k": np.concatenate(key_hashes), "b": np.concatenate([b.hb for b in blocks])})
    del key_hashes
    pairs = pairs.drop_duplicates()
    mixed = np.unique(pairs["b"].to_numpy()[pairs["k"].duplicated(keep=False).to_numpy()])
    for block in blocks:
        block.mixed, block.hb = np.isin(block.hb, mixed), None
    return blocks, mixed


def _part_source(blocks: list[_Block], picks: list[np.ndarray]) -> pa.Table | None:
    """The rows chosen in each block (``picks``: positions in its sorted order, one array a block), in file order.

    The blocks follow each other in the file, so each block's rows are put back in file order (one take from the
    memory-mapped block file: only the pages of those rows are read, then the map is closed) and the blocks' rows
    joined as chunks (no copy)."""
    pieces = []
    for block, rows in zip(blocks, picks):
        if not len(rows):
            continue
        rows = rows[np.argsort(block.rang[rows], kind="stable")]
        with pa.memory_map(str(block.file)) as source:
            pieces.append(pa.ipc.open_file(source).read_all().take(pa.array(rows)))
    return pa.concat_tables(pieces) if pieces else None


def _clean_part(con, source: list[pa.Table], today: date) -> tuple[pa.Table, pa.Table, pa.Table, int]:
    """One part cleaned as a whole file (:func:`_run`, then :func:`_flag_rejects`), rows numbered as in the file.

    ``source`` (one table: the rows of the part in file order, with ``rang`` and ``_hb``) is emptied. Returns the
    output columns, the removed rows, the flagged values and the number of contracts found."""
    rang = source[0]["rang"].to_numpy()

    def read() -> pa.Table:
        return source.pop().drop_columns(["rang", "_hb"])

    cursor = con.cursor()
    try:
        output, removed, rows_read, invalid_amounts = _run(lambda: cursor, read, today)

        def in_file(table: pa.Table) -> pa.Table:
            i = table.column_names.index("rang")
            return table.set_column(i, "rang", pa.array(rang[table["rang"].to_numpy() - 1]))

        output = in_file(output)
        flagged = _flag_rejects(cursor, output, invalid_amounts)
    finally:
        cursor.close()
    return output.select(_OUTPUT_COLUMNS), in_file(removed), flagged, rows_read


def _release() -> None:
    """Freed memory back to the system between parts: Arrow's pool, and the C library's heap (numpy, DuckDB)."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    """glibc, for ``malloc_trim`` (None elsewhere: another C library keeps its own policy)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _libc()


def _by_buyer(table: pa.Table) -> pa.Table:
    return table.take(_buyer_order(table))


def _cleaned_parts(con, path: Path, today: date, part_bytes: int, folder: Path
                   ) -> Iterator[tuple[pa.Table, pa.Table, pa.Table, int]]:
    """The file cleaned part by part, in the order of the buyers (see the module docstring).

    Yields, for each part, its output (or None), its removed rows and flagged values (or None) and its number of
    contracts found. The parts follow each other in the buyers' byte order: their outputs, each sorted by buyer then
    row, one after the other, are sorted by buyer. The rows of the mixed buyers are cleaned first, together, and
    their output goes with the part of each buyer (a mixed group is not bounded by the part size).
    """
    blocks, mixed = _split(path, part_bytes, folder, con)
    _release()
    pending = None  # the mixed part's output, sorted by buyer then row
    if len(mixed):
        output, removed, flagged, rows_read = _clean_part(
            con, [_part_source(blocks, [np.flatnonzero(b.mixed) for b in blocks])], today)
        pending = _by_buyer(output)
        pending_keys = _prefix_keys(pending["acheteur_id"])
        yield None, removed, flagged, rows_read
    keys = np.sort(np.concatenate([b.keys[~b.mixed] for b in blocks]))
    count = max(1, len(blocks))  # parts of about one block's rows
    cuts = np.unique(keys[np.arange(1, count) * len(keys) // count]) if len(keys) else np.zeros(0, np.uint64)
    edges = [np.concatenate([[0], np.searchsorted(b.keys, cuts, side="left"), [b.rows]]) for b in blocks]
    del keys
    for block in blocks:
        block.keys = None  # only the edges are needed now
    for part in range(len(cuts) + 1):
        picks = []
        for block, edge in zip(blocks, edges):
            rows = np.arange(edge[part], edge[part + 1])
            picks.append(rows[~block.mixed[rows]])
        table = _part_source(blocks, picks)
        output = None
        if table is not None:
            output, removed, flagged, rows_read = _clean_part(con, [table], today)
        del table
        _release()
        if pending is not None:
            low = 0 if part == 0 else int(np.searchsorted(pending_keys, cuts[part - 1], side="left"))
            high = len(pending) if part == len(cuts) else int(np.searchsorted(pending_keys, cuts[part], side="left"))
            if high > low:
                extra = pending.slice(low, high - low)
                if output is None:
                    output, removed, flagged, rows_read = extra, None, None, 0
                else:
                    output = pa.concat_tables([output, extra.cast(output.schema)])
        if output is not None:
            yield output, removed, flagged, rows_read


def _clean_by_parts(con, path: Path, today: date, part_bytes: int, parquet: Path | None
                    ) -> tuple[pa.Table, list[pa.Table], int]:
    """:func:`_cleaned_parts` gathered: the cleaned table in row order (empty when written to ``parquet``, then
    sorted by buyer then row, in row groups of at most :data:`ROW_GROUP` rows), the rejects' tables (the removed
    rows of every part, then the flagged values) and the number of contracts found."""
    outputs, removals, flags, rows_read = [], [], [], 0
    writer, writing = None, None

    def write(output: pa.Table) -> None:
        writer.write_table(_by_buyer(output).cast(writer.schema), row_group_size=ROW_GROUP)

    # a part is sorted and written in a thread while the next one is cleaned (Arrow releases the GIL)
    with tempfile.TemporaryDirectory(prefix="decp-parties-", dir=parquet.parent if parquet else None) as folder, \
            ThreadPoolExecutor(max_workers=1) as writing_pool:
        try:
            for output, removed, flagged, found in _cleaned_parts(con, path, today, part_bytes, Path(folder)):
                rows_read += found
                removals += [removed] if removed is not None else []
                flags += [flagged] if flagged is not None else []
                if output is None:
                    continue
                if parquet is None:
                    outputs.append(output)
                    continue
                if writer is None:
                    writer = pq.ParquetWriter(parquet, output.schema, compression="zstd", use_dictionary=False)
                if writing is not None:
                    writing.result()
                writing = writing_pool.submit(write, output)
                del output
            if writing is not None:
                writing.result()
        finally:
            if writing is not None:
                writing.exception()  # the thread is done before the writer is closed
            if writer is not None:
                writer.close()
    empty = pa.table({c: pa.array([], pa.string()) for c in _OUTPUT_COLUMNS})
    if parquet is not None:
        if writer is None:
            pq.write_table(empty, parquet)
        table = empty
    else:
        table = pa.concat_tables(outputs) if outputs else empty
        table = table.take(pc.sort_indices(table["rang"]))
    return table, removals + flags, rows_read


def clean_national(path: str | Path, *, today: date | None = None, parquet: str | Path | None = None,
                   part_bytes: int | None = None) -> NationalResult:
    """Load and clean a national DECP CSV export (see the module docstring).

    With ``parquet``, the cleaned table is written there (sorted by buyer, then row) and ``table`` is empty (the
    caller reads the file back when needed). A CSV larger than ``part_bytes`` (:data:`PART_BYTES` by default) is
    cleaned part by part (:func:`_cleaned_parts`), with the same result.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"Le fichier DECP « {path} » est introuvable.")
    today = today or date.today()
    part_bytes = PART_BYTES if part_bytes is None else part_bytes
    by_parts = path.suffix.lower() != ".parquet" and path.stat().st_size > part_bytes
    pool = pa.default_memory_pool()
    jemalloc = "jemalloc" in pa.supported_memory_backends()
    if jemalloc:
        # for the run (the CSV read included): jemalloc reuses the pages it frees for the next arrays, where
        # mimalloc (pyarrow's default) soon gives them back and touching them again costs page faults (about
        # 1 s of system time here); its release_unused purges the freed raw columns, whatever their layout.
        # By parts, the point is a bounded peak: the arenas made for the run give their freed pages back at once
        # (decay 0; with the default decay, the pages it marks free still count for 60 to 80 MB more at the peak)
        if by_parts:
            pa.jemalloc_set_decay_ms(0)
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    starting = ThreadPoolExecutor(max_workers=1)
    connecting = starting.submit(rules.connect)  # DuckDB imported and started while _run reads the CSV
    starting.shutdown(wait=False)
    try:
        if by_parts:
            table, parts, rows_read = _clean_by_parts(connecting.result(), path, today, part_bytes,
                                                      Path(parquet) if parquet is not None else None)
        else:
            output, removed, rows_read, invalid_amounts = _run(connecting.result, lambda: _source(path), today)
            con = connecting.result()
            parts = [removed, _flag_rejects(con, output, invalid_amounts)]
            table = output.select(_OUTPUT_COLUMNS)
            del output
            if parquet is not None:
                _write_cache(table, Path(parquet))
                table = pa.table({c: [] for c in _OUTPUT_COLUMNS})
    finally:
        pa.set_memory_pool(pool)
        if jemalloc and by_parts:
            pa.jemalloc_set_decay_ms(JEMALLOC_DECAY_MS)
        connecting.result().close()
        if by_parts:
            _release()
    rejets = pa.concat_tables(parts) if parts else _REJECT_SCHEMA.empty_table()
    rejets = rejets.take(pc.sort_indices(rejets["rang"]))  # in file order (stable: reasons of a row kept in turn)
    motifs, exemples = _summaries(rejets)
    return NationalResult(table, motifs, exemples, rows_read=int(rows_read), rejets=rejets)


# --- aggregation, cache, territory extract ----------------------------------------------------

def aggregate_department_segment(table: pa.Table) -> pd.DataFrame:
    """Contracts, contracts with a social clause and valid amounts by department × segment (Arrow's
    group by; departments then segments in order, missing ones last; ``montant_total`` missing when
    a group has no valid amount)."""
    columns = table.select(["departement", "segment"])
    columns = columns.append_column("clause", pc.fill_null(table["clause_sociale"], False)).append_column(
        "montant", pc.if_else(pc.fill_null(table["montant_valide"], False), table["montant_final"],
                              pa.scalar(None, pa.float64())))
    grouped = columns.group_by(["departement", "segment"], use_threads=False).aggregate(
        [([], "count_all"), ("clause", "sum"), ("montant", "sum")])
    grouped = grouped.sort_by([("departement", "ascending", "at_end"), ("segment", "ascending", "at_end")])
    return pd.DataFrame({
        "departement": grouped["departement"].to_pandas(), "segment": grouped["segment"].to_pandas(),
        "marches": grouped["count_all"].to_numpy().astype(np.int64),
        "marches_clause_sociale": grouped["clause_sum"].fill_null(0).to_numpy().astype(np.int64),
        "montant_total": grouped["montant_sum"].to_numpy(zero_copy_only=False).astype(float)})


def cache_paths(path: str | Path, cache_dir: str | Path) -> tuple[Path, Path]:
    """Cache file of the cleaned table and of its rejects, for the content of ``path``."""
    digest = file_hash(Path(path))
    base = Path(cache_dir) / f"decp-national-{CACHE_VERSION}-{digest}"
    return base.with_suffix(".parquet"), base.with_suffix(".rejets.parquet")


def ingest_national(path: str | Path, cache_dir: str | Path, *, today: date | None = None) -> tuple[Path, pd.DataFrame]:
    """Cleaned national table in the Parquet cache (computed once per file content and day).

    Returns the cache file and the rejects summary (motif, action, nombre). The rejects of every
    row sit beside it (``….rejets.parquet``, read by :func:`buyers_rejects`).
    """
    path = Path(path)
    cache_dir = Path(cache_dir)
    target, rejects_file = cache_paths(path, cache_dir)
    meta = target.with_suffix(".json")
    today = today or date.today()
    if target.exists() and rejects_file.exists() and meta.exists():
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("today") == today.isoformat():
            return target, pd.DataFrame(info["motifs"], columns=["motif", "action", "nombre"])
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    result = clean_national(path, today=today, parquet=tmp)
    pq.write_table(result.rejets, rejects_file.with_name(rejects_file.name + ".tmp"), compression="zstd")
    rejects_file.with_name(rejects_file.name + ".tmp").replace(rejects_file)
    tmp.replace(target)
    meta.write_text(json.dumps({"today": today.isoformat(), "source": path.name, "contrats": result.rows_read,
                                "motifs": result.motifs.to_dict(orient="records")}, ensure_ascii=False),
                    encoding="utf-8")
    return target, result.motifs


def _wanted(acheteurs: set[str]) -> list[str]:
    return sorted({normalize_siret(a) for a in acheteurs if normalize_siret(a)})


def buyers_contracts(cache: str | Path, acheteurs: set[str]) -> pd.DataFrame:
    """Contracts of the given buyers only (SIRET set), read from the cache (row groups pruned)."""
    wanted = _wanted(acheteurs)
    if not wanted:
        return pq.read_schema(cache).empty_table().to_pandas()
    table = pq.read_table(cache, filters=[("acheteur_id", "in", wanted)])
    return table.sort_by("rang").to_pandas()


def buyers_rejects(rejects_file: str | Path, acheteurs: set[str]) -> pd.DataFrame:
    """Rejects and flags of the given buyers' contracts (buyer SIRET without separators)."""
    table = pq.read_table(rejects_file)
    buyer = pc.replace_substring_regex(table["acheteur_id"], "[\\s\u00a0.\\-]", "")
    keep = pc.fill_null(pc.is_in(buyer, value_set=pa.array(_wanted(acheteurs), pa.string())), False)
    return table.filter(keep).to_pandas()


def load_territory_decp(path: str | Path, acheteurs: set[str], cache_dir: str | Path, *,
                        today: date | None = None):
    """The territory's buyers' contracts of a national DECP file, as :func:`decp.load_decp` returns them.

    The national file is cleaned once (Parquet cache in ``cache_dir``); the table has
    :data:`decp.DECP_COLUMNS`; the rejects log has one record per reason (count and first lines
    in the motif) for the buyers' contracts, so that nothing is dropped silently.
    """
    path = Path(path)
    cache, motifs = ingest_national(path, cache_dir, today=today)
    rejects_file = cache_paths(path, cache_dir)[1]
    table = buyers_contracts(cache, acheteurs)
    rejects = buyers_rejects(rejects_file, acheteurs)
    out = pd.DataFrame(index=table.index)
    for column in DECP_COLUMNS:
        if column in table:
            out[column] = table[column]
    out["format_source"] = FORMAT_CSV
    out["fichier"] = path.name
    out["ligne"] = (table["rang"] + 1).astype("Int64")  # header on line 1, one line a row
    for column in ("dureeMois", "annee", "nb_titulaires", "nb_modifications"):
        out[column] = out[column].astype("Int64")
    for column in ("montant", "montant_final"):
        out[column] = out[column].astype("Float64")
    for column in ("montant_valide", "titulaire_siret_valide", "clause_sociale", "critere_social", "marche_reserve"):
        out[column] = out[column].astype("boolean")
    out["dateNotification"] = pd.to_datetime(out["dateNotification"]).astype("datetime64[ns]")
    out = out[DECP_COLUMNS].reset_index(drop=True)

    log = RejectionLog("decp")
    counts = rejects["motif"].value_counts()
    removed = 0
    for reason in [r for r in REASONS if r in counts.index]:
        label, _ = REASONS[reason]
        rows = rejects.loc[rejects["motif"] == reason].sort_values("rang")
        lines = [int(r) + 1 for r in rows["rang"].head(EXAMPLES_PER_REASON)]
        first = rows.iloc[0]
        more = len(rows) - len(lines)
        where = ", ".join(str(x) for x in lines) + (f" et {more} autre(s)" if more > 0 else "")
        action = _ACTIONS[reason]
        if reason in REMOVING_REASONS:
            removed += len(rows)
        log.add(path.name, lines[0], _REASON_COLUMNS.get(reason, ""), first["valeur"],
                f"{label} : {len(rows)} marché(s) (fichier national, lignes {where})", action)
    total = int(motifs["nombre"].sum()) if len(motifs) else 0
    notices = [
        f"« {path.name} » : fichier DECP national lu par la voie rapide (cache {cache.name}) ; "
        f"{len(out)} marché(s) des {len(_wanted(acheteurs))} acheteur(s) du territoire retenu(s), "
        f"{removed} marché(s) de ces acheteurs écarté(s) ; {total} rejet(s) ou signalement(s) sur tout le fichier.",
    ]
    notices += unknown_social_notice(out)
    return LoadResult("decp", out, log, [path], len(out) + removed, notices)


def _actions() -> dict[str, str]:
    return {
        "concession": errors.ACTION_ROW_REJECTED, "id_absent": errors.ACTION_ROW_REJECTED,
        "acheteur_absent": errors.ACTION_ROW_REJECTED, "date_absente": errors.ACTION_ROW_REJECTED,
        "date_illisible": errors.ACTION_ROW_REJECTED, "date_future": errors.ACTION_ROW_REJECTED,
        "cpv_absent": ACTION_VALUE_FLAGGED, "cpv_invalide": ACTION_VALUE_FLAGGED,
        "doublon_ligne": errors.ACTION_DUPLICATE_REMOVED, "doublon_marche": errors.ACTION_DUPLICATE_REMOVED,
        "montant_hors_totaux": errors.ACTION_EXCLUDED_FROM_TOTALS, "montant_modifie": errors.ACTION_AMOUNT_UPDATED,
        "modification_illisible": errors.ACTION_VALUE_IGNORED, "siret_invalide": ACTION_VALUE_FLAGGED,
        "duree_illisible": errors.ACTION_VALUE_IGNORED, "consideration_inconnue": errors.ACTION_VALUE_IGNORED,
    }


_ACTIONS = _actions()
_REASON_COLUMNS = {"concession": "_type", "id_absent": "id", "acheteur_absent": "acheteur_id",
                   "date_absente": "dateNotification", "date_illisible": "dateNotification",
                   "date_future": "dateNotification", "cpv_absent": "codeCPV", "cpv_invalide": "codeCPV",
                   "doublon_ligne": "uid", "doublon_marche": "id", "montant_hors_totaux": "montant",
                   "montant_modifie": "modifications.montant", "modification_illisible": "modifications.montant",
                   "siret_invalide": "titulaire_id", "duree_illisible": "dureeMois",
                   "consideration_inconnue": "considerationsSociales"}
