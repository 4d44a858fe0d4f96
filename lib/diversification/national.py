"""National DECP export (decp-processing tabular CSV, ~1.5 million rows): DuckDB fast path.

Same rules as :mod:`diversification.decp` for the CSV export (versions of a contract, repeated
lines, identifiers, dates, CPV codes, amounts, holder SIRET, duplicate contracts), computed in
a few DuckDB queries over the useful columns read by ``pyarrow.csv`` (multithreaded, all as text,
quoted newlines allowed) and queried by DuckDB in place (zero copy): the narrow columns, cleaned in
Arrow (trimmed, missing-value tokens as nulls, only on the rows whose first or last bytes or length may
need it, a clean column left as it is), through the view ``base``, released once the contracts are
built; only the contracts and the small maps are stored (the contracts kept are a view, the final
table one query, whose flagged values give the last rejects); the wide text columns stay in the Arrow
table and are cleaned the same way, then filtered to the rows kept, at the end.
The rare values that are not in the plain form (« 1 234,56 € », « 12/03/2024 ») are parsed by
decp's own parsers over their distinct values only; the SIRET Luhn key is checked with numpy
over the distinct holders. Rejects are one narrow table (reason, row, identifiers, value),
summarised as counts by reason plus the first rows of each reason (no Python object per row).

The cleaned table is cached as Parquet (written by DuckDB), keyed on the SHA-256 of the file,
sorted by buyer so that :func:`buyers_contracts` reads only the row groups of a territory's
buyers. :func:`load_territory_decp` turns that extract into the :class:`LoadResult` of
:func:`decp.load_decp` (same columns), for the territory runs.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .decp import DECP_COLUMNS, FORMAT_CSV, MAX_AMOUNT, MIN_AMOUNT, _to_date, _to_number
from .errors import ACTION_VALUE_FLAGGED, InputError, RejectionLog
from .parsing import MISSING_TOKENS, normalize_header
from .segments import map_cpv_series

CACHE_VERSION = "2"
EXAMPLES_PER_REASON = 5
#: DuckDB limits (the benchmark machine has 2 cores; peak memory must stay under 2 GB).
DUCKDB_THREADS = 2
DUCKDB_MEMORY = "1GB"

#: Reasons (key → French label, action), as in the rejects log of :func:`decp.load_decp`.
REASONS = {
    "concession": ("contrat de concession : hors du champ de l'étude", "ligne rejetée"),
    "id_absent": ("identifiant du marché (id) absent", "ligne rejetée"),
    "acheteur_absent": ("identifiant de l'acheteur (acheteur.id) absent", "ligne rejetée"),
    "date_absente": ("date de notification absente", "ligne rejetée"),
    "date_illisible": ("date de notification impossible ou illisible", "ligne rejetée"),
    "date_future": ("date de notification postérieure à la date du jour", "ligne rejetée"),
    "cpv_absent": ("code CPV absent", "ligne rejetée"),
    "cpv_invalide": ("code CPV invalide", "ligne rejetée"),
    "doublon_ligne": ("marché en double : mêmes uid et titulaire", "doublon retiré"),
    "doublon_marche": ("marché en double (même id, acheteur, titulaire, montant et date)", "doublon retiré"),
    "montant_hors_totaux": ("montant absent, illisible, nul, inférieur à 1 € ou supérieur à 3 milliards",
                            "exclu des totaux"),
    "montant_modifie": ("montant initial remplacé par celui de la dernière modification", "montant mis à jour"),
    "modification_illisible": ("montant de modification illisible", "valeur ignorée"),
    "siret_invalide": ("SIRET du titulaire invalide", "valeur signalée"),
    "duree_illisible": ("durée en mois illisible (nombre entier attendu)", "valeur ignorée"),
}
#: Reasons that remove the contract (the others flag a value of a contract kept).
REMOVING_REASONS = ["concession", "id_absent", "acheteur_absent", "date_absente", "date_illisible", "date_future",
                    "cpv_absent", "cpv_invalide", "doublon_ligne", "doublon_marche"]

_COLUMNS = ["uid", "id", "acheteur_id", "acheteur_nom", "nature", "objet", "codeCPV", "procedure", "dureeMois",
            "dateNotification", "montant", "lieuExecution_code", "lieuExecution_typeCode", "titulaire_id",
            "titulaire_typeIdentifiant", "titulaire_nom", "considerationsSociales", "idAccordCadre", "formePrix",
            "modification_id", "type", "_type"]
_HEADER_MAP = {normalize_header(c): c for c in _COLUMNS} | {"titulaire_denominationsociale": "titulaire_nom"}
_SEPARATORS = [";", ",", "\t", "|"]
_SEPS_RE = "[\\s\u00a0\u202f.\\-]"  # RE2: real non-breaking spaces, not \\u escapes
#: Characters stripped around every value (Unicode white space, as ``str.strip``).
_TRIM = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
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


def _source(path: Path) -> pa.Table:
    """The useful raw columns as text, under their official names (Arrow table, file order).

    A CSV is read by ``pyarrow.csv`` (multithreaded, all columns as text, quoted newlines allowed,
    only the useful columns converted); a Parquet export by pyarrow (useful columns only, cast to text).
    """
    if path.suffix.lower() == ".parquet":
        mapping = _official_names(pq.read_schema(path).names, path)
        table = pq.read_table(path, columns=list(mapping))
        return pa.table({mapping[c]: pc.cast(table[c], pa.string()) for c in table.column_names})
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
    used = {f"c{index[h]}": official for h, official in mapping.items()}
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(len(header))], skip_rows=1,
                                           encoding="utf8", block_size=1 << 20),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in used},
                                                 include_columns=list(used), strings_can_be_null=False),
            memory_pool=pa.system_memory_pool())  # freed back to the system when released
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"Le fichier DECP « {path.name} » est illisible comme CSV ({exc}).") from None
    return table.rename_columns([used[c] for c in table.column_names])


def _sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SIRET (vectorised over distinct values) ----------------------------------------------------

def luhn_valid(digits: np.ndarray) -> np.ndarray:
    """Luhn check of rows of 14 digits (``uint8`` array of shape (n, 14))."""
    d = digits.astype(np.int16)
    doubled = d[:, 0::2] * 2  # from the right, every second digit: positions 0, 2, ... of 14 digits
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + d[:, 1::2].sum(axis=1)
    return total % 10 == 0


def siret_reasons(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Distinct values and, for each, ``None`` for a valid SIRET, else decp's French reason."""
    values = pc.unique(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    clean = pc.replace_substring_regex(values, _SEPS_RE, "")
    well_formed = np.asarray(pc.fill_null(pc.match_substring_regex(clean, r"^\d{14}$"), False))
    reasons = np.full(len(values), None, dtype=object)
    reasons[~well_formed] = "SIRET invalide : 14 chiffres attendus"
    empty = np.asarray(pc.fill_null(pc.equal(clean, ""), True))
    reasons[empty] = "SIRET absent"
    rows = np.nonzero(well_formed)[0]
    if len(rows):
        chosen = pc.cast(clean.take(pa.array(rows)), pa.binary())
        digits = np.frombuffer(b"".join(chosen.to_pylist()) if len(rows) < 64 else
                               _concat_binary(chosen), np.uint8).reshape(-1, 14) - 48
        ok = luhn_valid(digits)
        poste = (digits[:, :9] == np.array([3, 5, 6, 0, 0, 0, 0, 0, 0])).all(axis=1) & (digits.sum(axis=1) % 5 == 0)
        reasons[rows[~(ok | poste)]] = "SIRET invalide : clé de contrôle (Luhn) fausse"
    return values, pa.array(reasons, pa.string())


def _concat_binary(array: pa.Array) -> bytes:
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    offsets = np.frombuffer(array.buffers()[1], np.int32)[array.offset:array.offset + len(array) + 1]
    return np.frombuffer(array.buffers()[2], np.uint8)[offsets[0]:offsets[-1]].tobytes()


# --- DuckDB pipeline ------------------------------------------------------------------------------

def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _connect(threads: int = DUCKDB_THREADS, memory: str = DUCKDB_MEMORY):
    import duckdb

    con = duckdb.connect(config={"threads": threads, "memory_limit": memory,
                                 "temp_directory": os.path.join(tempfile.gettempdir(), "diversification-duckdb")})
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE MACRO nosep(x) AS regexp_replace(x, {_sql_text(_SEPS_RE)}, '', 'g')")
    con.execute("CREATE MACRO plain_number(x) AS regexp_full_match(x, '-?[0-9]+(\\.[0-9]+)?')")
    return con


#: Text columns only carried to the output: kept in ``base`` and joined back by row number at the end.
_WIDE = ["acheteur_nom", "nature", "objet", "procedure", "titulaire_nom", "idAccordCadre", "formePrix"]

_BASE = """
CREATE TEMP VIEW base AS
SELECT rang, uid, id, acheteur_id, codeCPV, dureeMois, dateNotification, montant,
       lieuExecution_code, lieuExecution_typeCode,
       CASE WHEN sepy AND coalesce(upper(titulaire_typeIdentifiant) = 'SIRET', true)
            THEN nullif(nosep(titulaire_id), '') ELSE titulaire_id END AS titulaire_id,
       titulaire_typeIdentifiant, considerationsSociales,
       coalesce(_type, type) AS _type,
       coalesce(uid, coalesce(acheteur_id, '') || coalesce(id, '')) AS k,
       coalesce(TRY_CAST(modification_id AS DOUBLE), 0) AS v, asepy, cpv8
FROM (SELECT rang, sepy, asepy, cpv8, {columns} FROM raw)
"""

#: Rows of the contracts found more than once (one scan of ``base``; read by ``multi`` and ``repeats``).
_VERSIONS = """
CREATE TEMP TABLE versions AS
SELECT b.rang, b.k, b.v, coalesce(b.titulaire_id, '') AS h, b.montant, b.uid, b.id, b.acheteur_id, s.vmin, s.vmax
FROM base b JOIN (SELECT k, min(v) AS vmin, max(v) AS vmax FROM base GROUP BY k HAVING count(*) > 1) s ON b.k = s.k
"""

_MULTI = """
CREATE TEMP TABLE multi AS
WITH m AS (
    SELECT rang, k, v, h, montant, vmin, vmax FROM versions
), firsts AS (
    SELECT k, min(vmin) AS vmin, min({'r': rang, 'h': h}) FILTER (WHERE v = vmin) AS f,
           count(DISTINCT v) AS nv, min({'r': rang, 'm': montant}) FILTER (WHERE v = vmax) AS latest
    FROM m GROUP BY k
), pairs AS (
    SELECT k, h, min(rang) AS r FROM m WHERE v = vmin AND h <> '' GROUP BY k, h
), holders AS (
    SELECT k, count(*) AS nb_titulaires, string_agg(h, '|' ORDER BY r) AS titulaires_ids FROM pairs GROUP BY k
)
SELECT f.k, f.vmin, f.f.r AS r0, f.f.h AS h0, f.nv, CASE WHEN f.nv > 1 THEN f.latest.m END AS modification,
       coalesce(p.nb_titulaires, 0) AS nb_titulaires, p.titulaires_ids
FROM firsts f LEFT JOIN holders p ON f.k = p.k
"""

_REPEATS = """
CREATE TEMP TABLE repeats AS
SELECT 'doublon_ligne' AS motif, b.rang, b.uid, b.id, b.acheteur_id, b.k AS valeur
FROM versions b JOIN multi m ON b.k = m.k
WHERE b.rang <> m.r0 AND b.h = m.h0 AND b.v = m.vmin
"""

_CONTRACTS = """
CREATE TEMP TABLE contracts AS
WITH c AS (
    SELECT b.rang, b.uid, b.id, b.acheteur_id, b.codeCPV, b.dureeMois, b.dateNotification, b.montant,
           b.lieuExecution_code, b.lieuExecution_typeCode, b.titulaire_id, b.titulaire_typeIdentifiant,
           b.considerationsSociales, b._type, b.k, b.v, m.k IS NOT NULL AS is_multi, m.modification, coalesce(m.nv, 1) - 1 AS nb_modifications,
           CASE WHEN m.k IS NULL THEN (b.titulaire_id IS NOT NULL)::BIGINT ELSE m.nb_titulaires END AS nb_titulaires,
           CASE WHEN m.k IS NULL THEN b.titulaire_id ELSE m.titulaires_ids END AS titulaires_ids,
           replace(codeCPV, ' ', '') AS cpv_raw, b.asepy, b.cpv8
    FROM base b LEFT JOIN multi m ON b.k = m.k
    WHERE m.k IS NULL OR b.rang = m.r0
), t AS (
    SELECT c.*, CASE WHEN suffix(cpv_raw, '.0') THEN substr(cpv_raw, 1, length(cpv_raw) - 2) ELSE cpv_raw END
                AS cpv_text,
           CASE WHEN d.text IS NULL THEN TRY_CAST(substr(dateNotification, 1, 10) AS DATE)
                ELSE d.value::DATE END AS date_notif,
           CASE WHEN asepy AND regexp_matches(acheteur_id, '[\\s .\\-]')
                THEN regexp_replace(acheteur_id, '[\\s .\\-]', '', 'g') ELSE acheteur_id END AS acheteur_k,
           CASE WHEN a.text IS NULL THEN TRY_CAST(montant AS DOUBLE) ELSE a.value END AS montant_num,
           CASE WHEN mo.text IS NULL THEN TRY_CAST(modification AS DOUBLE) ELSE mo.value END AS modif_num,
           coalesce(mo.bad, false) AS modif_bad
    FROM c LEFT JOIN odd_dates d ON c.dateNotification = d.text
         LEFT JOIN odd_numbers a ON c.montant = a.text LEFT JOIN odd_numbers mo ON c.modification = mo.text
)
SELECT * EXCLUDE (k, v, is_multi, cpv_raw, modification, asepy, cpv8),
       CASE WHEN starts_with(lower(_type), 'contrat de concession') THEN 'concession'
            WHEN id IS NULL THEN 'id_absent'
            WHEN acheteur_id IS NULL THEN 'acheteur_absent'
            WHEN dateNotification IS NULL THEN 'date_absente'
            WHEN date_notif IS NULL THEN 'date_illisible'
            WHEN date_notif > DATE '@TODAY@' THEN 'date_future'
            WHEN codeCPV IS NULL THEN 'cpv_absent'
            WHEN NOT (cpv8 OR regexp_full_match(cpv_text, '[0-9]{8}(-[0-9])?')) THEN 'cpv_invalide'
       END AS motif
FROM t
"""

#: Contracts kept (a view: scanned by the duplicate search and by the final query, never stored);
#: ``acheteur_id`` without separators.
_KEPT = """
CREATE TEMP VIEW kept AS SELECT * EXCLUDE (acheteur_id, acheteur_k), acheteur_k AS acheteur_id
FROM contracts WHERE motif IS NULL
"""

#: Duplicate contracts (same id, buyer, holder, amount and date): the candidates are the rows whose hash
#: of the five values is shared (a group by one integer, not five columns); a hash collision only adds
#: rows alone in their exact partition, which ``row_number`` keeps.
_DUPLICATES = """
CREATE TEMP TABLE dup_rangs AS
WITH kk AS NOT MATERIALIZED (
    SELECT rang, id, acheteur_id, titulaire_id, montant_num, date_notif,
           hash(id, acheteur_id, titulaire_id, montant_num, date_notif) AS hh
    FROM kept
)
SELECT rang FROM (
    SELECT k.rang, row_number() OVER (PARTITION BY k.id, k.acheteur_id, k.titulaire_id, k.montant_num, k.date_notif
                                      ORDER BY k.rang) AS n
    FROM kk k SEMI JOIN (SELECT hh FROM kk GROUP BY hh HAVING count(*) > 1) g ON k.hh = g.hh
) WHERE n > 1
"""

_FINAL = """
SELECT c.uid, c.id, c.acheteur_id,
       CASE WHEN division = 45 THEN 'travaux' WHEN (division BETWEEN 3 AND 44) OR division = 48 THEN 'fournitures'
            ELSE 'services' END AS nature_achat,
       c.cpv8 AS codeCPV,
       c.duree_ok AS dureeMois,
       c.date_notif AS dateNotification, year(c.date_notif)::BIGINT AS annee,
       c.montant_num AS montant, coalesce(c.modif_num, c.montant_num) AS montant_final,
       NOT c.hors_totaux AS montant_valide,
       c.lieuExecution_code, c.lieuExecution_typeCode, c.titulaire_id, c.titulaire_typeIdentifiant,
       c.titulaires_ids, c.nb_titulaires,
       CASE WHEN c.is_siret THEN s.reason IS NULL END AS titulaire_siret_valide,
       c.considerationsSociales, c.consideration_sociale,
       CASE WHEN c.consideration_sociale <> 'inconnue' THEN list_contains(c.labels, 'clause sociale') END AS clause_sociale,
       CASE WHEN c.consideration_sociale <> 'inconnue' THEN list_contains(c.labels, 'critere social') END AS critere_social,
       CASE WHEN c.consideration_sociale <> 'inconnue' THEN list_contains(c.labels, 'marche reserve') END AS marche_reserve,
       c.nb_modifications, c.rang,
       seg.segment,
       dep.departement,
       c.modif_num, c.modif_bad, c.duree_bad, s.reason AS siret_reason, c.is_siret,
       c.montant AS montant_txt
FROM (
    SELECT *, CASE WHEN NOT duree_bad THEN round(duree)::BIGINT END AS duree_ok,
           CASE WHEN considerationsSociales IS NULL THEN 'inconnue'
                WHEN list_has_any(labels, ['clause sociale', 'critere social', 'marche reserve']) THEN 'oui'
                WHEN list_has_any(labels, ['pas de consideration sociale', 'sans objet']) THEN 'non'
                ELSE 'inconnue' END AS consideration_sociale
    FROM (
        SELECT *, dureeMois IS NOT NULL AND (duree IS NULL OR duree <> round(duree)) AS duree_bad
        FROM (
            SELECT k.*, substr(cpv_text, 1, 8) AS cpv8, TRY_CAST(substr(cpv_text, 1, 2) AS INTEGER) AS division,
                   CASE WHEN du.text IS NULL THEN TRY_CAST(dureeMois AS DOUBLE) ELSE du.value END AS duree,
                   titulaire_id IS NOT NULL AND coalesce(upper(titulaire_typeIdentifiant) = 'SIRET',
                         titulaire_typeIdentifiant IS NULL AND length(nosep(titulaire_id)) = 14) AS is_siret,
                   (montant_num IS NULL OR montant_num < {min_amount} OR montant_num > {max_amount}
                    OR (modif_num IS NOT NULL AND (modif_num < {min_amount} OR modif_num > {max_amount})))
                   AS hors_totaux,
                   labels
            FROM (SELECT kk.* REPLACE (soc.norm AS considerationsSociales), soc.labels
                  FROM (SELECT * FROM kept ANTI JOIN dup_rangs USING (rang)) kk
                  LEFT JOIN soc ON kk.considerationsSociales = soc.raw) k
                 LEFT JOIN odd_numbers du ON k.dureeMois = du.text
        )
    )
) c
LEFT JOIN sirets s ON c.titulaire_id = s.value
LEFT JOIN segments seg ON c.cpv8 = seg.cpv
LEFT JOIN depts dep ON c.lieuExecution_code = dep.code AND c.lieuExecution_typeCode IS NOT DISTINCT FROM dep.typ
"""

#: Department of each distinct place of execution (code, type of code) of the contracts kept.
_DEPARTMENTS = """
CREATE TEMP TABLE depts AS
SELECT code, typ,
       CASE WHEN length(trim(code)) >= 2 THEN
            CASE WHEN contains(lower(typ), 'département') THEN lpad(trim(code), 2, '0')
                 WHEN regexp_matches(trim(code), '^9[78]') THEN substr(trim(code), 1, 3)
                 ELSE substr(trim(code), 1, 2) END END AS departement
FROM (SELECT DISTINCT lieuExecution_code AS code, lieuExecution_typeCode AS typ FROM contracts
      WHERE motif IS NULL AND lieuExecution_code IS NOT NULL)
"""

#: Social considerations, normalised and split once per distinct text.
_SOCIAL = """
CREATE TEMP TABLE soc AS
SELECT raw, norm, list_transform(string_split(strip_accents(lower(norm)), '|'), lambda x: trim(x)) AS labels
FROM (SELECT raw, regexp_replace(raw, '\\s*[,;|]\\s*', '|', 'g') AS norm
      FROM (SELECT DISTINCT considerationsSociales AS raw FROM contracts
            WHERE motif IS NULL AND considerationsSociales IS NOT NULL))
"""

_OUTPUT_COLUMNS = ["uid", "id", "acheteur_id", "acheteur_nom", "nature", "nature_achat", "objet", "codeCPV",
                   "procedure", "dureeMois", "dateNotification", "annee", "montant", "montant_final",
                   "montant_valide", "lieuExecution_code", "lieuExecution_typeCode", "titulaire_id",
                   "titulaire_typeIdentifiant", "titulaire_nom", "titulaires_ids", "nb_titulaires",
                   "titulaire_siret_valide", "considerationsSociales", "consideration_sociale", "clause_sociale",
                   "critere_social", "marche_reserve", "idAccordCadre", "formePrix", "nb_modifications", "rang",
                   "segment", "departement"]


def _register_map(con, name: str, frame: pd.DataFrame, schema: pa.Schema) -> None:
    con.register(f"{name}_arrow", pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


_NUMBER_SCHEMA = pa.schema([("text", pa.string()), ("value", pa.float64()), ("bad", pa.bool_())])
_DATE_SCHEMA = pa.schema([("text", pa.string()), ("value", pa.timestamp("ns"))])
_SIRET_SCHEMA = pa.schema([("value", pa.string()), ("reason", pa.string())])
_SEGMENT_SCHEMA = pa.schema([("cpv", pa.string()), ("segment", pa.string())])


def _odd_numbers(con) -> pd.DataFrame:
    """decp's number parser over the distinct non-plain texts (« 1 500,50 », « 12 000 € »).

    Only those texts are in the map: a text not found there is in the plain form (``TRY_CAST``).
    """
    texts = con.execute("""
        SELECT DISTINCT x FROM (
            SELECT montant AS x FROM base UNION ALL SELECT modification FROM multi UNION ALL
            SELECT dureeMois FROM base)
        WHERE x IS NOT NULL AND NOT plain_number(x)""").fetchall()
    series = pd.Series([t[0] for t in texts], dtype="string")
    number, bad = _to_number(series)
    return pd.DataFrame({"text": series.astype(object),
                         "value": number.astype(float).to_numpy(dtype=float, na_value=np.nan),
                         "bad": bad.to_numpy(dtype=bool)})


def _odd_dates(con) -> pd.DataFrame:
    """decp's date parser over the distinct texts not in the ISO form (a text not in the map is ISO)."""
    texts = con.execute("""SELECT DISTINCT dateNotification FROM base WHERE dateNotification IS NOT NULL
        AND NOT regexp_full_match(dateNotification, '[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].*)?')""").fetchall()
    series = pd.Series([t[0] for t in texts], dtype="string")
    when = _to_date(series)
    return pd.DataFrame({"text": series.astype(object), "value": when.astype("datetime64[ns]")})


def _sirets(con) -> pd.DataFrame:
    holders = con.sql("""SELECT DISTINCT titulaire_id FROM contracts WHERE motif IS NULL AND titulaire_id IS NOT NULL
        AND coalesce(upper(trim(titulaire_typeIdentifiant)) = 'SIRET',
                     titulaire_typeIdentifiant IS NULL AND length(nosep(titulaire_id)) = 14)""").to_arrow_table()
    values, reasons = siret_reasons(holders.column(0).cast(pa.string()) if holders.num_rows else
                                    pa.array([], pa.string()))
    return pd.DataFrame({"value": pd.Series(values.to_pylist(), dtype=object),
                         "reason": pd.Series(reasons.to_pylist(), dtype=object)})


def _segments_map(con) -> pd.DataFrame:
    cpvs = [r[0] for r in con.execute("SELECT DISTINCT substr(cpv_text, 1, 8) FROM contracts WHERE motif IS NULL").fetchall()]
    mapped = map_cpv_series(pd.Series(cpvs, dtype="string"))
    return pd.DataFrame({"cpv": pd.Series(cpvs, dtype=object),
                         "segment": mapped.astype(object).where(mapped.notna(), None)})


#: Bytes that may start or end a value to trim: the ASCII white space of :data:`_TRIM`, and the lead
#: bytes of its other characters (U+0085, U+00A0: C2; U+1680, U+2000-U+205F, U+3000: E1-E3).
_FIRST_BYTES = np.zeros(256, dtype=bool)
_FIRST_BYTES[[ord(c) for c in _TRIM if ord(c) < 128] + [0xC2, 0xE1, 0xE2, 0xE3]] = True
_LAST_ASCII = np.zeros(256, dtype=bool)
_LAST_ASCII[[ord(c) for c in _TRIM if ord(c) < 128]] = True


#: Lowercased missing-value tokens, and the first bytes of a value whose lowercase may be one of them
#: (« n », « N », « - », the lead byte E2 of « — »: no other character lowercases to these).
_TOKENS = pa.array(sorted(MISSING_TOKENS), pa.string())
_LONGEST_TOKEN = max(len(t.encode()) for t in MISSING_TOKENS)
_TOKEN_FIRST = np.zeros(256, dtype=bool)
_TOKEN_FIRST[[ord("n"), ord("N"), ord("-"), 0xE2]] = True
assert all(not t or t[0] in "n-—" for t in MISSING_TOKENS)
#: By 256 × (value of at most :data:`_LONGEST_TOKEN` bytes) + first byte: may be trimmed or a token.
_FIRST_OR_TOKEN = np.concatenate([_FIRST_BYTES, _FIRST_BYTES | _TOKEN_FIRST])


def _dirty(column: pa.ChunkedArray) -> np.ndarray:
    """Rows whose value cleaning may change: it may start or end with a character of :data:`_TRIM`,
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


def _clean_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``column`` trimmed of :data:`_TRIM` and with the missing-value tokens (any case) as nulls.

    Only the rows flagged by :func:`_dirty` are looked at; a column without any is returned as is (zero copy).
    """
    dirty = _dirty(column)
    rows = np.flatnonzero(dirty)
    if not len(rows):
        return column
    values = pc.utf8_trim(column.take(pa.array(rows)), _TRIM)
    values = pc.if_else(pc.is_in(pc.utf8_lower(values), value_set=_TOKENS), pa.scalar(None, values.type), values)
    return pc.replace_with_mask(column, pa.array(dirty), values.combine_chunks())


#: Bytes of the separators removed from a SIRET (:data:`_SEPS_RE`: RE2's ASCII white space, « . », « - »,
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


_NOT_DIGITS = np.ones(256, dtype=bool)
_NOT_DIGITS[ord("0"):ord("9") + 1] = False


def _byte_lengths(column: pa.ChunkedArray) -> np.ndarray:
    """Length in bytes of each value (0 for a null)."""
    lengths = []
    for chunk in column.chunks:
        if not len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        size = np.diff(offsets[chunk.offset:chunk.offset + len(chunk) + 1])
        if chunk.null_count:
            size = np.where(np.asarray(chunk.is_valid()), size, 0)
        lengths.append(size)
    return np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)


def _load(con, raw: pa.Table) -> pa.Table:
    """View ``base`` over the registered Arrow table ``raw`` of the narrow columns, cleaned by
    :func:`_clean_text` (trimmed, ``NC``/empty → null), with ``rang``.

    Returns the raw wide text columns (:data:`_WIDE`), cleaned later for the contracts kept only.
    """
    present = set(raw.column_names)
    narrow = [c for c in raw.column_names if c not in _WIDE]
    columns = [(c if c in present else f"NULL::VARCHAR AS {c}") for c in _COLUMNS if c not in _WIDE]
    table = pa.table({c: raw[c] if c == "modification_id" else _clean_text(raw[c]) for c in narrow})
    table = table.append_column("rang", pa.array(np.arange(1, raw.num_rows + 1, dtype=np.int64)))
    # only the identifiers with a separator byte go through a regex (``nosep``), the others are kept
    # as they are; a CPV code of 8 digits is valid without its regex
    none = np.zeros(raw.num_rows, dtype=bool)
    for flag, column in (("sepy", "titulaire_id"), ("asepy", "acheteur_id")):
        table = table.append_column(flag, pa.array(_has_bytes(raw[column], _SEP_BYTES) if column in present else none))
    cpv8 = none if "codeCPV" not in present else (
        (_byte_lengths(raw["codeCPV"]) == 8) & ~_has_bytes(raw["codeCPV"], _NOT_DIGITS))
    table = table.append_column("cpv8", pa.array(cpv8))
    con.register("raw", table)
    con.execute(_BASE.format(columns=", ".join(columns)))
    return raw.select([c for c in raw.column_names if c in _WIDE])


def _clean_wide(wide: pa.Table, kept: np.ndarray) -> pa.Table:
    """The wide text columns of the rows kept (boolean mask in file order), cleaned as ``base``, in row order."""
    mask = pa.array(kept)
    count = int(kept.sum())
    return pa.table({c: _clean_text(wide[c]).filter(mask) if c in wide.column_names
                     else pa.nulls(count, pa.string()) for c in _WIDE})


def duckdb_error():
    import duckdb

    return duckdb.Error


def _run(con, path: Path, today: date) -> tuple[str, str, pa.Table]:
    """Build the ``final`` query and the query of the rejects that remove a contract (temp tables left in ``con``).

    Only ``multi``, ``repeats``, ``contracts`` and ``dup_rangs`` are kept (``versions``, the rows of the
    contracts found more than once, is dropped once ``repeats`` is built; ``base`` is a view over
    the Arrow table of the narrow raw columns, released once ``contracts`` is built); ``kept`` is a view and
    ``final`` a query, run once (its flagged values give the other rejects, see :func:`_flag_rejects`).
    """
    raw = _source(path)
    wide = _load(con, raw)
    del raw  # only the view ``base`` holds the narrow columns now
    con.execute(_VERSIONS)
    con.execute(_MULTI)
    con.execute(_REPEATS)
    con.execute("DROP TABLE versions")
    _register_map(con, "odd_dates", _odd_dates(con), _DATE_SCHEMA)
    _register_map(con, "odd_numbers", _odd_numbers(con), _NUMBER_SCHEMA)
    con.execute(_CONTRACTS.replace("@TODAY@", today.isoformat()))
    con.execute("DROP VIEW base")
    con.unregister("raw")  # the narrow raw columns are no longer needed: their memory goes back to the system
    pa.system_memory_pool().release_unused()
    con.execute(_KEPT)
    con.execute(_DUPLICATES)
    _register_map(con, "sirets", _sirets(con), _SIRET_SCHEMA)
    _register_map(con, "segments", _segments_map(con), _SEGMENT_SCHEMA)
    con.execute(_SOCIAL)
    con.execute(_DEPARTMENTS)
    final = _FINAL.format(min_amount=MIN_AMOUNT, max_amount=MAX_AMOUNT)
    rejets = f"""
        SELECT * FROM repeats
        UNION ALL SELECT motif, rang, uid, id, acheteur_id,
            CASE motif WHEN 'concession' THEN _type WHEN 'date_illisible' THEN dateNotification
                       WHEN 'date_future' THEN dateNotification WHEN 'cpv_invalide' THEN codeCPV END
            FROM contracts WHERE motif IS NOT NULL
        UNION ALL SELECT 'doublon_marche', rang, uid, id, acheteur_k, id FROM contracts SEMI JOIN dup_rangs USING (rang)
    """
    return final, rejets, wide


#: Columns of the final query that flag a value (read by :func:`_flag_rejects`, not in the output).
_FLAGS = ["CASE WHEN NOT montant_valide THEN montant_txt END AS montant_txt", "modif_num", "modif_bad", "duree_bad",
          "(is_siret AND siret_reason IS NOT NULL) AS siret_bad"]
_FLAG_NAMES = ["montant_txt", "modif_num", "modif_bad", "duree_bad", "siret_bad"]


def _flag_rejects(relation: str) -> str:
    """Rejects of the values flagged on the contracts kept (``relation`` has the final and flag columns)."""
    return f"""
        SELECT 'montant_hors_totaux' AS motif, rang, uid, id, acheteur_id, montant_txt AS valeur FROM {relation}
            WHERE NOT montant_valide
        UNION ALL SELECT 'montant_modifie', rang, uid, id, acheteur_id, modif_num::VARCHAR FROM {relation}
            WHERE modif_num IS NOT NULL
        UNION ALL SELECT 'modification_illisible', rang, uid, id, acheteur_id, NULL FROM {relation} WHERE modif_bad
        UNION ALL SELECT 'siret_invalide', rang, uid, id, acheteur_id, titulaire_id FROM {relation} WHERE siret_bad
        UNION ALL SELECT 'duree_illisible', rang, uid, id, acheteur_id, NULL FROM {relation} WHERE duree_bad
    """


def _in_row_order(table: pa.Table) -> pa.Table:
    """``table`` sorted by ``rang`` (distinct values), by zero-copy slices when it is made of a few sorted runs.

    DuckDB returns the rows of a query with joins as a few runs of consecutive row groups, each in
    order: the rows are put back in order by concatenating slices, not by sorting every column
    (an ``ORDER BY`` on the thirty output columns cost a third of a second); a full ``take`` if the
    rows come in many pieces.
    """
    order = np.argsort(table["rang"].to_numpy(), kind="stable")
    if len(order) == 0:
        return table
    starts = np.r_[0, np.nonzero(np.diff(order) != 1)[0] + 1]
    if len(starts) == 1 and order[0] == 0:
        return table
    if len(starts) > 64 + len(order) // 1024:
        return table.take(pa.array(order))
    ends = np.r_[starts[1:], len(order)]
    return pa.concat_tables([table.slice(int(order[a]), int(b - a)) for a, b in zip(starts, ends)])


def _output(con, final: str, wide: pa.Table) -> pa.Table:
    """The final query in row order (with the flag columns), the wide text columns taken by row number."""
    narrow = _in_row_order(con.sql("SELECT " + ", ".join([c for c in _OUTPUT_COLUMNS if c not in _WIDE] + _FLAGS)
                                   + f" FROM ({final})").to_arrow_table())
    kept = np.zeros(wide.num_rows, dtype=bool)
    kept[narrow["rang"].to_numpy() - 1] = True
    wide = _clean_wide(wide, kept)  # in row order, as ``narrow``
    return pa.table({c: wide[c] if c in _WIDE else narrow[c] for c in _OUTPUT_COLUMNS + _FLAG_NAMES})


def _summaries(rejets: pa.Table) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Counts by reason (in the order of :data:`REASONS`) and the first rows of each reason (Arrow, not pandas)."""
    counts = {}
    if rejets.num_rows:
        tallies = pc.value_counts(rejets["motif"])
        counts = dict(zip(tallies.field("values").to_pylist(), tallies.field("counts").to_pylist()))
    order = [r for r in REASONS if r in counts]
    motifs = pd.DataFrame([(REASONS[r][0], REASONS[r][1], int(counts[r])) for r in order],
                          columns=["motif", "action", "nombre"])
    exemples = {}
    for reason in order:
        rows = rejets.filter(pc.equal(rejets["motif"], reason)).drop_columns("motif")
        first = rows.take(pc.bottom_k_unstable(rows["rang"], EXAMPLES_PER_REASON)).sort_by("rang")
        exemples[REASONS[reason][0]] = first.to_pandas()
    return motifs, exemples


def clean_national(path: str | Path, *, today: date | None = None, parquet: str | Path | None = None) -> NationalResult:
    """Load and clean a national DECP CSV export (see the module docstring).

    With ``parquet``, the cleaned table is written there by DuckDB (sorted by buyer, then row)
    and ``table`` is empty (the caller reads the file back when needed).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"Le fichier DECP « {path} » est introuvable.")
    today = today or date.today()
    con = _connect()
    try:
        final, rejets_sql, wide = _run(con, path, today)
        rows_read = con.execute("SELECT count(*) FROM contracts").fetchall()[0][0]
        if parquet is not None:
            con.execute(f"CREATE TEMP TABLE final AS SELECT *, {', '.join(_FLAGS)} FROM ({final})")
            rejets = con.sql(f"{rejets_sql} UNION ALL {_flag_rejects('final')}").to_arrow_table()
            kept = np.zeros(wide.num_rows, dtype=bool)
            kept[con.sql("SELECT rang FROM final").to_arrow_table()["rang"].to_numpy() - 1] = True
            wide = _clean_wide(wide, kept).append_column("rang", pa.array(np.nonzero(kept)[0] + 1))
            con.register("wide_kept", wide)
            select = ("SELECT " + ", ".join(f"{'w' if c in _WIDE else 'f'}.{c}" for c in _OUTPUT_COLUMNS)
                      + " FROM final f JOIN wide_kept w ON w.rang = f.rang")
            con.execute(f"COPY ({select} ORDER BY f.acheteur_id, f.rang) TO {_sql_text(str(parquet))} "
                        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)")
            con.unregister("wide_kept")
            table = pa.table({c: [] for c in _OUTPUT_COLUMNS})
        else:
            output = _output(con, final, wide)
            con.register("final_arrow", output.select(["rang", "uid", "id", "acheteur_id", "titulaire_id",
                                                       "montant_valide", *_FLAG_NAMES]))
            rejets = con.sql(f"{rejets_sql} UNION ALL {_flag_rejects('final_arrow')}").to_arrow_table()
            con.unregister("final_arrow")
            table = output.select(_OUTPUT_COLUMNS)
    finally:
        con.close()
    rejets = rejets.cast(_REJECT_SCHEMA)
    motifs, exemples = _summaries(rejets)
    return NationalResult(table, motifs, exemples, rows_read=int(rows_read), rejets=rejets)


# --- aggregation, cache, territory extract ----------------------------------------------------

def aggregate_department_segment(table: pa.Table) -> pd.DataFrame:
    """Contracts, contracts with a social clause and valid amounts by department × segment."""
    import duckdb

    con = duckdb.connect(config={"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY})
    con.execute("SET enable_progress_bar = false")
    try:
        con.register("t", table.select(["departement", "segment", "clause_sociale", "montant_valide",
                                        "montant_final"]))
        frame = con.execute("""
            SELECT departement, segment, count(*) AS marches,
                   count(*) FILTER (WHERE clause_sociale) AS marches_clause_sociale,
                   sum(montant_final) FILTER (WHERE montant_valide) AS montant_total
            FROM t GROUP BY departement, segment ORDER BY departement NULLS LAST, segment NULLS LAST""").df()
    finally:
        con.close()
    return frame


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
    from .siret import normalize_siret

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
    from .results import LoadResult

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
    return LoadResult("decp", out, log, [path], len(out) + removed, notices)


def _actions() -> dict[str, str]:
    from . import errors

    return {
        "concession": errors.ACTION_ROW_REJECTED, "id_absent": errors.ACTION_ROW_REJECTED,
        "acheteur_absent": errors.ACTION_ROW_REJECTED, "date_absente": errors.ACTION_ROW_REJECTED,
        "date_illisible": errors.ACTION_ROW_REJECTED, "date_future": errors.ACTION_ROW_REJECTED,
        "cpv_absent": errors.ACTION_ROW_REJECTED, "cpv_invalide": errors.ACTION_ROW_REJECTED,
        "doublon_ligne": errors.ACTION_DUPLICATE_REMOVED, "doublon_marche": errors.ACTION_DUPLICATE_REMOVED,
        "montant_hors_totaux": errors.ACTION_EXCLUDED_FROM_TOTALS, "montant_modifie": errors.ACTION_AMOUNT_UPDATED,
        "modification_illisible": errors.ACTION_VALUE_IGNORED, "siret_invalide": ACTION_VALUE_FLAGGED,
        "duree_illisible": errors.ACTION_VALUE_IGNORED,
    }


_ACTIONS = _actions()
_REASON_COLUMNS = {"concession": "_type", "id_absent": "id", "acheteur_absent": "acheteur_id",
                   "date_absente": "dateNotification", "date_illisible": "dateNotification",
                   "date_future": "dateNotification", "cpv_absent": "codeCPV", "cpv_invalide": "codeCPV",
                   "doublon_ligne": "uid", "doublon_marche": "id", "montant_hors_totaux": "montant",
                   "montant_modifie": "modifications.montant", "modification_illisible": "modifications.montant",
                   "siret_invalide": "titulaire_id", "duree_illisible": "dureeMois"}
