"""The DECP cleaning and classification rules, written once, applied by both DECP entry points.

A territory's files (:func:`diversification.inputs.decp.load_decp`: JSON or CSV, a few thousand contracts)
and the national export (:func:`diversification.inputs.national.clean_national`: 1.5 million rows) read
their records differently, but every rule that turns a raw value into a clean one lives here, and both call
it on the distinct values of their columns (:func:`lookups`):

* trimming and the missing-value tokens (« NC », « n/a », « - », empty...): :func:`clean_text`;
* amounts and numbers in the French or the international form (« 1 234,56 € », ``1.234,56``):
  :func:`parse_numbers` (and :func:`number_from_map`, its fast path for the plain form), and the bounds of
  an amount counted in the totals (:func:`amount_in_totals`);
* notification dates (ISO or « jj/mm/aaaa », in the future or not): :data:`DATE_RULE`, :func:`parse_dates`;
* the contract's type (concession or not): :data:`TYPE_RULE`;
* CPV code → code, validity and nature of the purchase: :data:`CPV_RULE` (the segment by
  :func:`~diversification.inputs.segments.map_cpv_series`, from the reference table);
* the buyer's and the holder's identifiers (separators removed), whether a holder is checked as a SIRET:
  :data:`BUYER_RULE`, :data:`HOLDER_RULE`, and the SIRET check itself
  (:func:`~diversification.inputs.siret.siret_problems`);
* durations in months (whole numbers): :data:`DURATION_RULE`;
* social considerations (official labels, unknown ones flagged): :data:`SOCIAL_RULE`;
* the department of a place of execution: :data:`PLACE_RULE`.

Each ``*_RULE`` is one DuckDB query over the relation ``d`` (index ``i`` and the distinct values), run by
:func:`by_distinct`; the rare values not in the plain form are parsed by :func:`parse_numbers` and
:func:`parse_dates` over their distinct values only (maps ``odd_numbers``, ``odd_dates``). What stays in each
entry point is reading (JSON layouts, the national CSV's versions of a contract) and the French wording of
the rejects log. See docs/ARCHITECTURE.md (« DECP: one set of rules »).
"""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from diversification.inputs.parsing import MISSING_TOKENS
from diversification.inputs.segments import map_cpv_series
from diversification.inputs.siret import SEPARATORS_RE, siret_problems

#: Amounts outside [MIN_AMOUNT, MAX_AMOUNT] euros are kept for counts but excluded from totals.
MIN_AMOUNT = 1.0
MAX_AMOUNT = 3_000_000_000.0

#: DuckDB limits (the benchmark machine has 2 cores; peak memory must stay under 2 GB).
DUCKDB_THREADS = 2
DUCKDB_MEMORY = "1GB"

#: Characters stripped around every value (Unicode white space, as ``str.strip``).
TRIM_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())

#: Two contracts with the same values of these columns are one: the first one (in file order) is kept.
DUPLICATE_KEY = ("id", "acheteur_id", "titulaire_id", "montant", "dateNotification")

#: A contract whose type starts with it (any case) is a concession: out of the study's scope.
CONCESSION_PREFIX = "contrat de concession"

#: The columns only :func:`lookups` reads (few distinct values: a reader may read them as dictionaries).
VALUE_COLUMNS = ["codeCPV", "dateNotification", "dureeMois", "lieuExecution_code", "lieuExecution_typeCode",
                 "considerationsSociales", "_type", "type"]
#: The raw columns :func:`lookups` reads.
LOOKUP_COLUMNS = [*VALUE_COLUMNS, "acheteur_id", "titulaire_id", "titulaire_typeIdentifiant"]


def amount_in_totals(values: np.ndarray, readable: np.ndarray) -> np.ndarray:
    """Amounts counted in the totals: readable and within [:data:`MIN_AMOUNT`, :data:`MAX_AMOUNT`]."""
    with np.errstate(invalid="ignore"):
        return readable & (values >= MIN_AMOUNT) & (values <= MAX_AMOUNT)


# --- numbers and dates in their rare forms (over distinct texts) ---------------------------------

def parse_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """French or international numbers → Float64; second value: unreadable (non-missing) mask."""
    text = series.astype("string").str.replace(r"[\s\u00a0\u202f€']|EUR", "", regex=True)
    has_comma = text.str.contains(",", regex=False).fillna(False)
    has_dot = text.str.contains(".", regex=False).fillna(False)
    comma_last = text.str.rfind(",") > text.str.rfind(".")
    both = has_comma & has_dot
    text = text.mask(both & comma_last, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    text = text.mask(both & ~comma_last, text.str.replace(",", "", regex=False))
    one_comma = ~has_dot & (text.str.count(",") == 1).fillna(False)
    text = text.mask(one_comma, text.str.replace(",", ".", regex=False))
    text = text.mask(~has_dot & has_comma & ~one_comma, text.str.replace(",", "", regex=False))
    text = text.mask(~has_comma & (text.str.count(r"\.") > 1).fillna(False), text.str.replace(".", "", regex=False))
    number = pd.to_numeric(text, errors="coerce").astype("Float64")
    number = number.mask(~np.isfinite(number.fillna(0).astype(float)))
    bad = series.notna() & number.isna()
    return number, bad.fillna(False).astype(bool)


def parse_dates(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])").fillna(False).astype(bool)
    if iso.any():
        out[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    fr = text.str.match(r"^\d{1,2}/\d{1,2}/\d{4}$").fillna(False).astype(bool)
    if fr.any():
        out[fr] = pd.to_datetime(text[fr], format="%d/%m/%Y", errors="coerce")
    return out


# --- DuckDB -------------------------------------------------------------------------------------

def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(threads: int = DUCKDB_THREADS, memory: str = DUCKDB_MEMORY):
    """A DuckDB connection with the rules' macros (in memory, ``threads`` threads, a memory limit)."""
    con = duckdb.connect(config={"threads": threads, "memory_limit": memory,
                                 "temp_directory": os.path.join(tempfile.gettempdir(), "diversification-duckdb")})
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE MACRO nosep(x) AS regexp_replace(x, {sql_text(SEPARATORS_RE)}, '', 'g')")
    con.execute("CREATE MACRO plain_number(x) AS regexp_full_match(x, '-?[0-9]+(\\.[0-9]+)?')")
    # a holder's identifier: separators removed when it is (or may be) a SIRET
    con.execute("""CREATE MACRO holder_id(x, typ) AS CASE WHEN coalesce(upper(typ) = 'SIRET', true)
                   THEN nullif(nosep(x), '') ELSE x END""")
    return con


_SHARED: dict[int, duckdb.DuckDBPyConnection] = {}
_SHARED_LOCK = threading.Lock()


def small_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of this process's one-thread connection, for a territory's files (a few thousand rows: the
    connection, 50 ms to open, is opened once a process; a cursor has its own temporary tables)."""
    with _SHARED_LOCK:
        pid = os.getpid()  # never a connection inherited through fork
        if pid not in _SHARED:
            _SHARED.clear()
            _SHARED[pid] = connect(threads=1, memory="256MB")
        return _SHARED[pid].cursor()


#: Separators removed from a buyer's SIRET (RE2: ASCII white space, a real non-breaking space, « . », « - »).
BUYER_SEPARATORS_RE = "[\\s\u00a0 .\\-]"


def buyer_sql(column: str) -> str:
    """The SQL expression of a buyer's identifier without its separators (``column`` cleaned by :func:`clean_text`)."""
    return (f"CASE WHEN regexp_matches({column}, {sql_text(BUYER_SEPARATORS_RE)}) "
            f"THEN regexp_replace({column}, {sql_text(BUYER_SEPARATORS_RE)}, '', 'g') ELSE {column} END")


#: Per distinct value (table ``d``: index ``i`` and the value(s)), one query each; results in the order of ``i``.
BUYER_RULE = f"""
SELECT {buyer_sql("raw")} AS acheteur_id
FROM d ORDER BY i
"""

TYPE_RULE = f"""SELECT coalesce(starts_with(lower(coalesce(raw, alt)), {sql_text(CONCESSION_PREFIX)}), false) AS concession,
       coalesce(raw, alt) AS text
FROM d ORDER BY i"""

DATE_RULE = """
SELECT text, date_notif, date_notif IS NULL AS illisible, coalesce(date_notif > DATE '@TODAY@', false) AS future,
       year(date_notif)::BIGINT AS annee
FROM (SELECT d.i, d.raw AS text,
             CASE WHEN o.text IS NULL THEN TRY_CAST(substr(d.raw, 1, 10) AS DATE) ELSE o.value::DATE END AS date_notif
      FROM d LEFT JOIN odd_dates o ON d.raw = o.text)
ORDER BY i
"""

CPV_RULE = """
SELECT text, NOT usable AND text IS NOT NULL AS invalide, CASE WHEN usable THEN substr(cpv_text, 1, 8) END AS codeCPV,
       CASE WHEN NOT usable THEN NULL WHEN division = 45 THEN 'travaux'
            WHEN (division BETWEEN 3 AND 44) OR division = 48 THEN 'fournitures' ELSE 'services' END AS nature_achat
FROM (SELECT i, text, cpv_text, TRY_CAST(substr(cpv_text, 1, 2) AS INTEGER) AS division,
             coalesce(regexp_full_match(cpv_text, '[0-9]{8}(-[0-9])?'), false) AS usable
      FROM (SELECT i, text, CASE WHEN suffix(cpv_raw, '.0') THEN substr(cpv_raw, 1, length(cpv_raw) - 2)
                                 ELSE cpv_raw END AS cpv_text
            FROM (SELECT i, raw AS text, replace(raw, ' ', '') AS cpv_raw FROM d)))
ORDER BY i
"""

DURATION_RULE = """
SELECT duree_bad, CASE WHEN NOT duree_bad THEN round(duree)::BIGINT END AS dureeMois
FROM (SELECT i, duree, raw IS NOT NULL AND (duree IS NULL OR duree <> round(duree)) AS duree_bad
      FROM (SELECT d.i, d.raw, CASE WHEN du.text IS NULL THEN TRY_CAST(d.raw AS DOUBLE) ELSE du.value END AS duree
            FROM d LEFT JOIN odd_durations du ON d.raw = du.text))
ORDER BY i
"""

#: Holder: separators removed from a SIRET (the form of ``base``), and whether it is to be checked as a SIRET.
HOLDER_RULE = """
SELECT titulaire_id,
       titulaire_id IS NOT NULL AND coalesce(upper(typ) = 'SIRET', typ IS NULL AND length(nosep(titulaire_id)) = 14)
       AS is_siret
FROM (SELECT i, typ, holder_id(raw, typ) AS titulaire_id FROM d)
ORDER BY i
"""

#: Social considerations, normalised and split once per distinct text; ``social_bad``: a label outside the
#: official schema (ignored, and flagged), ``inconnues`` those labels as written.
SOCIAL_RULE = """
SELECT norm AS considerationsSociales, consideration_sociale,
       coalesce(len(list_filter(labels, lambda x: x <> '' AND NOT list_contains(
           ['clause sociale', 'critere social', 'marche reserve', 'pas de consideration sociale', 'sans objet'], x))) > 0,
           false) AS social_bad,
       CASE WHEN consideration_sociale <> 'inconnue' THEN list_contains(labels, 'clause sociale') END AS clause_sociale,
       CASE WHEN consideration_sociale <> 'inconnue' THEN list_contains(labels, 'critere social') END AS critere_social,
       CASE WHEN consideration_sociale <> 'inconnue' THEN list_contains(labels, 'marche reserve') END AS marche_reserve,
       list_filter(list_transform(string_split(norm, '|'), lambda x: trim(x)), lambda x: x <> '' AND NOT list_contains(
           ['clause sociale', 'critere social', 'marche reserve', 'pas de consideration sociale', 'sans objet'],
           strip_accents(lower(x)))) AS inconnues
FROM (SELECT i, norm, labels,
             CASE WHEN norm IS NULL THEN 'inconnue'
                  WHEN list_has_any(labels, ['clause sociale', 'critere social', 'marche reserve']) THEN 'oui'
                  WHEN list_has_any(labels, ['pas de consideration sociale', 'sans objet']) THEN 'non'
                  ELSE 'inconnue' END AS consideration_sociale
      FROM (SELECT i, norm, list_transform(string_split(strip_accents(lower(norm)), '|'), lambda x: trim(x)) AS labels
            FROM (SELECT i, regexp_replace(raw, '\\s*[,;|]\\s*', '|', 'g') AS norm FROM d)))
ORDER BY i
"""

#: Department of each distinct place of execution (code, type of code).
PLACE_RULE = """
SELECT code, typ, CASE WHEN length(trim(code)) >= 2 THEN
            CASE WHEN contains(lower(typ), 'département') THEN lpad(trim(code), 2, '0')
                 WHEN regexp_matches(trim(code), '^9[78]') THEN substr(trim(code), 1, 3)
                 ELSE substr(trim(code), 1, 2) END END AS departement
FROM d ORDER BY i
"""


def register_map(con, name: str, frame: pd.DataFrame, schema: pa.Schema) -> None:
    con.register(f"{name}_arrow", pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


NUMBER_SCHEMA = pa.schema([("text", pa.string()), ("value", pa.float64()), ("bad", pa.bool_())])
DATE_SCHEMA = pa.schema([("text", pa.string()), ("value", pa.timestamp("ns"))])


def odd_numbers(con, query: str) -> pd.DataFrame:
    """:func:`parse_numbers` over the distinct non-plain texts ``query`` returns (« 1 500,50 », « 12 000 € »).

    Only those texts are in the map: a text not found there is in the plain form (``TRY_CAST``).
    """
    texts = con.execute(query).fetchall()
    series = pd.Series([t[0] for t in texts], dtype="string")
    number, bad = parse_numbers(series)
    return pd.DataFrame({"text": series.astype(object),
                         "value": number.astype(float).to_numpy(dtype=float, na_value=np.nan),
                         "bad": bad.to_numpy(dtype=bool)})


def odd_dates(con) -> pd.DataFrame:
    """:func:`parse_dates` over the distinct texts of ``d`` not in the ISO form (a text not in the map is ISO)."""
    texts = con.execute("""SELECT DISTINCT raw FROM d WHERE raw IS NOT NULL
        AND NOT regexp_full_match(raw, '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].*)?')""").fetchall()
    series = pd.Series([t[0] for t in texts], dtype="string")
    when = parse_dates(series)
    return pd.DataFrame({"text": series.astype(object), "value": when.astype("datetime64[ns]")})



def value_codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Index of each value among the distinct values (null included, as one value) and the distinct values."""
    if pa.types.is_dictionary(column.type):
        if isinstance(column, pa.ChunkedArray) and not column.null_count and column.num_chunks:
            unified = column.unify_dictionaries().chunks
            return np.concatenate([c.indices.to_numpy() for c in unified]), unified[0].dictionary
        column = column.cast(column.type.value_type)
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    if isinstance(encoded, pa.Array):
        return encoded.indices.to_numpy(), encoded.dictionary
    # the chunks of a chunked array share one dictionary (the last chunk's is complete)
    chunks = [c for c in encoded.chunks if len(c)]
    if not chunks:
        return np.zeros(0, dtype=np.int32), pa.array([], encoded.type.value_type)
    return np.concatenate([c.indices.to_numpy() for c in chunks]), chunks[-1].dictionary


def by_distinct(con, columns: dict[str, pa.ChunkedArray], query: str, prepare=None) -> tuple[np.ndarray, pa.Table]:
    """``query`` run once over the distinct combinations of ``columns`` (table ``d``: ``i`` and the columns).

    Returns the combination of each row (index into the result) and the result (one row per combination).
    ``prepare(con)`` runs while ``d`` is registered, before ``query``. The values in ``d`` are cleaned
    (:func:`clean_text`), so raw columns may be given.
    """
    names = list(columns)
    codes, values = zip(*(value_codes(columns[n]) for n in names))
    if len(names) == 1:
        code, parts = codes[0], [np.arange(len(values[0]))]
    else:
        combined = codes[0].astype(np.int64)
        for c, v in zip(codes[1:], values[1:]):
            combined = combined * len(v) + c
        code, uniques = pd.factorize(combined, sort=False)
        parts = []
        for v in reversed(values):
            parts.append(uniques % len(v))
            uniques = uniques // len(v)
        parts.reverse()
    # the distinct raw values cleaned as ``base`` (the columns of :data:`_LAZY` are not cleaned before)
    d = pa.table({"i": np.arange(len(parts[0]), dtype=np.int64)}
                 | {n: clean_text(pa.chunked_array([v.take(pa.array(p))], v.type)) for n, v, p in zip(names, values, parts)})
    con.register("d", d)
    try:
        if prepare is not None:
            prepare(con)
        result = con.sql(query).to_arrow_table()
    finally:
        con.unregister("d")
    return np.asarray(code, dtype=np.int32), result


def valid(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.is_valid())


def spread(result: pa.Table, name: str, code: np.ndarray) -> pa.Array:
    """Column ``name`` of a :func:`by_distinct` result, for the rows of ``code``."""
    return result[name].combine_chunks().take(pa.array(code))


def bools(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean column as numpy (null as false)."""
    return np.asarray(column.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def flags(result: pa.Table, name: str) -> np.ndarray:
    return bools(result[name])


def number_from_map(texts: pa.Array, odd: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Values (float) and validity of texts parsed as the contracts query did: the odd texts by their map
    (``odd_numbers``), the others in the plain form, by a cast (as DuckDB's ``TRY_CAST``)."""
    index = pc.index_in(texts, value_set=odd["text"].combine_chunks())
    from_map = odd["value"].combine_chunks().take(index)
    plain = pc.cast(pc.if_else(pc.is_valid(index), pa.scalar(None, pa.string()), texts), pa.float64())
    number = pc.coalesce(from_map, plain)
    return number.to_numpy(zero_copy_only=False), np.asarray(number.is_valid())


# --- trimming and missing-value tokens (Arrow, on the values that may need it only) ---------------

#: Bytes that may start or end a value to trim: the ASCII white space of :data:`TRIM_CHARS`, and the lead
#: bytes of its other characters (U+0085, U+00A0: C2; U+1680, U+2000-U+205F, U+3000: E1-E3).
_FIRST_BYTES = np.zeros(256, dtype=bool)
_FIRST_BYTES[[ord(c) for c in TRIM_CHARS if ord(c) < 128] + [0xC2, 0xE1, 0xE2, 0xE3]] = True
_LAST_ASCII = np.zeros(256, dtype=bool)
_LAST_ASCII[[ord(c) for c in TRIM_CHARS if ord(c) < 128]] = True


#: Lowercased missing-value tokens, and the first bytes of a value whose lowercase may be one of them
#: (« n », « N », « - », the lead byte E2 of « — »: no other character lowercases to these).
_TOKENS = pa.array(sorted(MISSING_TOKENS), pa.string())
_LONGEST_TOKEN = max(len(t.encode()) for t in MISSING_TOKENS)
_TOKEN_FIRST = np.zeros(256, dtype=bool)
_TOKEN_FIRST[[ord("n"), ord("N"), ord("-"), 0xE2]] = True
assert all(not t or t[0] in "n-—" for t in MISSING_TOKENS)
#: By 256 × (value of at most :data:`_LONGEST_TOKEN` bytes) + first byte: may be trimmed or a token.
_FIRST_OR_TOKEN = np.concatenate([_FIRST_BYTES, _FIRST_BYTES | _TOKEN_FIRST])


def dirty(column: pa.ChunkedArray) -> np.ndarray:
    """Rows whose value cleaning may change: it may start or end with a character of :data:`TRIM_CHARS`,
    or be a missing-value token (a superset, from the first and last bytes and the length of the values)."""
    dirty = np.empty(len(column), dtype=bool)
    row = 0
    for chunk in column.chunks:
        size = len(chunk)
        if not size:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets = offsets[chunk.offset:chunk.offset + size + 1]
        data = chunk.buffers()[2]
        out = dirty[row:row + size]
        if data is None or data.size == 0:
            out[:] = True
        else:
            data = np.frombuffer(data, np.uint8)
            start, end = offsets[:-1], offsets[1:]
            length = end - start
            # clipped reads: an empty value (flagged below) may sit at either end of the data
            first, last = data.take(start, mode="clip"), data.take(end - 1, mode="clip")
            short = np.left_shift(length <= _LONGEST_TOKEN, 8, dtype=np.intp)
            np.logical_or(_FIRST_OR_TOKEN.take(short | first), _LAST_ASCII.take(last), out=out)
            # a last character of 2 bytes led by C2 (U+0085, U+00A0), or of 3 bytes led by E1-E3
            odd = np.flatnonzero(last >= 0x80)
            if len(odd):
                e = end[odd].astype(np.int64)
                lead3 = data[np.maximum(e - 3, 0)]
                out[odd] |= (data[np.maximum(e - 2, 0)] == 0xC2) | ((lead3 >= 0xE1) & (lead3 <= 0xE3))
            out |= length == 0
        if chunk.null_count:
            out &= np.asarray(chunk.is_valid())
        row += size
    return dirty


def clean_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``column`` trimmed of :data:`TRIM_CHARS` and with the missing-value tokens (any case) as nulls.

    Only the rows flagged by :func:`dirty` are looked at; a column without any is returned as is (zero copy).
    """
    flagged = dirty(column)
    rows = np.flatnonzero(flagged)
    if not len(rows):
        return column
    values = pc.utf8_trim(column.take(pa.array(rows)), TRIM_CHARS)
    values = pc.if_else(pc.is_in(pc.utf8_lower(values), value_set=_TOKENS), pa.scalar(None, values.type), values)
    return pc.replace_with_mask(column, pa.array(flagged), values.combine_chunks())



# --- every rule over the distinct values of the columns --------------------------------------------

def lookups(con, raw: dict[str, pa.ChunkedArray], n: int, today: date) -> dict[str, tuple]:
    """Every column computed once per distinct value (:func:`by_distinct`, from the raw columns), on the
    DuckDB connection ``con`` (a cursor of its own, closed here): the contract's type, date, CPV code,
    buyer, holder, duration, social considerations and place, each as (code of each row, result); the
    segment of each distinct CPV code; the SIRET check of each distinct holder (``siret``: whether it
    is checked as a SIRET, the reason it is invalid, its validity).

    ``raw`` is emptied as the columns are used (``n``: the number of rows, for the columns absent).
    """
    def column(name: str) -> pa.ChunkedArray:
        return raw.pop(name) if name in raw else pa.chunked_array([pa.nulls(n, pa.string())])

    try:
        found = {
            "type": by_distinct(con, {"raw": column("_type"), "alt": column("type")}, TYPE_RULE),
            "date": by_distinct(con, {"raw": column("dateNotification")},
                                 DATE_RULE.replace("@TODAY@", today.isoformat()),
                                 lambda c: register_map(c, "odd_dates", odd_dates(c), DATE_SCHEMA)),
            "cpv": by_distinct(con, {"raw": column("codeCPV")}, CPV_RULE),
            "buyer": by_distinct(con, {"raw": column("acheteur_id")}, BUYER_RULE),
            "holder": by_distinct(con, {"raw": column("titulaire_id"), "typ": column("titulaire_typeIdentifiant")},
                                   HOLDER_RULE),
            "duration": by_distinct(
                con, {"raw": column("dureeMois")}, DURATION_RULE,
                lambda c: register_map(c, "odd_durations", odd_numbers(
                    c, "SELECT DISTINCT raw FROM d WHERE raw IS NOT NULL AND NOT plain_number(raw)"),
                    NUMBER_SCHEMA)),
            "social": by_distinct(con, {"raw": column("considerationsSociales")}, SOCIAL_RULE),
            "place": by_distinct(con, {"code": column("lieuExecution_code"), "typ": column("lieuExecution_typeCode")},
                                  PLACE_RULE),
        }
    finally:
        con.close()
    by_holder = found["holder"][1]
    is_siret = flags(by_holder, "is_siret")
    siret_values = by_holder["titulaire_id"].combine_chunks().filter(pa.array(is_siret))
    checked, reasons = siret_problems(siret_values if len(siret_values) else pa.array([], pa.string()))
    siret_reason = reasons.take(pc.index_in(by_holder["titulaire_id"], value_set=checked))
    found["siret"] = (is_siret, siret_reason,
                      pc.if_else(pa.array(is_siret), pc.is_null(siret_reason), pa.scalar(None, pa.bool_())))
    segments = map_cpv_series(pd.Series(found["cpv"][1]["codeCPV"].combine_chunks().to_pylist(), dtype="string"))
    found["segments"] = pa.array(segments.astype(object).where(segments.notna(), None).tolist(), pa.string())
    return found
