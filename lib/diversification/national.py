"""National DECP export (decp-processing tabular CSV, ~1.5 million rows): vectorised fast path.

Same rules as :mod:`diversification.decp` for the CSV export (versions of a contract, repeated
lines, identifiers, dates, CPV codes, amounts, holder SIRET, duplicate contracts), computed with
pyarrow and numpy over whole columns. Rejects are summarised as counts by reason plus the first
rows of each reason (no Python object per row). The cleaned table is cached as Parquet, keyed on
the SHA-256 of the file, and sorted by buyer so that :func:`buyers_contracts` reads only the row
groups of a territory's buyers.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .decp import MAX_AMOUNT, MIN_AMOUNT, _to_date, _to_number
from .errors import InputError
from .parsing import MISSING_TOKENS, normalize_header

CACHE_VERSION = "1"
EXAMPLES_PER_REASON = 5

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
}

_COLUMNS = ["uid", "id", "acheteur_id", "acheteur_nom", "nature", "objet", "codeCPV", "procedure", "dureeMois",
            "dateNotification", "montant", "lieuExecution_code", "lieuExecution_typeCode", "titulaire_id",
            "titulaire_typeIdentifiant", "titulaire_nom", "considerationsSociales", "modification_id", "type", "_type"]
_HEADER_MAP = {normalize_header(c): c for c in _COLUMNS} | {"titulaire_denominationsociale": "titulaire_nom"}
_SEPARATORS = [";", ",", "\t", "|"]
_SEPS_RE = "[\\s\u00a0\u202f.\\-]"  # RE2: real non-breaking spaces, not \\u escapes


@dataclass
class NationalResult:
    """Cleaned contracts (pyarrow table), rejects by reason, first rows of each reason."""

    table: pa.Table
    motifs: pd.DataFrame
    exemples: dict[str, pd.DataFrame]
    rows_read: int
    cache: Path | None = None


def file_hash(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# --- reading ----------------------------------------------------------------------------------

def _read(path: Path) -> pa.Table:
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise InputError(f"Le fichier DECP « {path.name} » est vide.")
    text = head.decode("utf-8-sig", errors="ignore")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header_line.count(sep) for sep in _SEPARATORS}
    sep = max(counts, key=counts.get)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=sep))]
    names = {}
    for h in header:
        official = _HEADER_MAP.get(normalize_header(h))
        if official and official not in names.values():
            names[h] = official
    missing = [c for c in ("id", "acheteur_id", "dateNotification") if c not in names.values()]
    if missing:
        raise InputError(f"Le fichier DECP « {path.name} » : colonne(s) obligatoire(s) absente(s) : "
                         + ", ".join(f"« {c} »" for c in missing) + ".")
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(include_columns=list(names), strings_can_be_null=False,
                                             column_types={h: pa.string() for h in names}),
    )
    table = table.rename_columns([names[c] for c in table.column_names])
    for column in _COLUMNS:
        if column not in table.column_names:
            table = table.append_column(column, pa.nulls(table.num_rows, pa.string()))
    return table


def _missing_to_null(array: pa.ChunkedArray) -> pa.ChunkedArray:
    stripped = pc.utf8_trim_whitespace(array)
    token = pc.is_in(pc.utf8_lower(stripped), value_set=pa.array(sorted(MISSING_TOKENS)))
    return pc.if_else(token, pa.scalar(None, pa.string()), stripped)


def _np(array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def _codes(array: pa.ChunkedArray) -> np.ndarray:
    encoded = pc.dictionary_encode(pc.fill_null(array, "")).combine_chunks()
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _first_index(codes: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct codes among ``rows`` and the first row (file order) of each."""
    uniques, first = np.unique(codes[rows], return_index=True)
    return uniques, rows[first]


# --- number, date, SIRET (vectorised, with decp's exact rules for the rare odd values) ----------

_PLAIN_NUMBER = r"^-?\d+(\.\d+)?$"


def _numbers(text: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN when missing or unreadable) and the unreadable mask."""
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER), False)
    values = pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.float64())
    out = _np(pc.fill_null(values, np.nan)).astype(float)
    bad = np.zeros(len(out), dtype=bool)
    odd = np.nonzero(_np(pc.and_(pc.invert(plain), pc.is_valid(text))))[0]
    if len(odd):  # « 1 234,56 € », « 1.234,56 »...: decp's parser on these few rows
        number, unreadable = _to_number(pd.Series(text.take(pa.array(odd)).to_pylist(), dtype="string"))
        out[odd] = number.astype(float).fillna(np.nan).to_numpy(dtype=float)
        bad[odd] = unreadable.to_numpy(dtype=bool)
    return out, bad


def _dates(text: pa.ChunkedArray) -> pa.Array:
    iso = pc.fill_null(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}($|[T ])"), False)
    day = pc.utf8_slice_codeunits(text, 0, 10)
    parsed = pc.strptime(day, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2024-02-30 over to March: an impossible date must stay unreadable
    parsed = pc.if_else(pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), day), False), parsed,
                        pa.scalar(None, pa.timestamp("s")))
    result = pc.cast(pc.if_else(iso, parsed, pa.scalar(None, pa.timestamp("s"))), pa.date32()).combine_chunks()
    odd = np.nonzero(_np(pc.and_(pc.invert(iso), pc.is_valid(text))))[0]
    if len(odd):
        when = _to_date(pd.Series(text.take(pa.array(odd)).to_pylist(), dtype="string"))
        values = result.to_pylist()
        for i, w in zip(odd, when):
            values[i] = None if pd.isna(w) else w.date()
        result = pa.array(values, pa.date32())
    return result


def luhn_valid(digits: np.ndarray) -> np.ndarray:
    """Luhn check of rows of 14 digits (``uint8`` array of shape (n, 14))."""
    d = digits.astype(np.int16)
    doubled = d[:, 0::2] * 2  # from the right, every second digit: positions 0, 2, ... of 14 digits
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + d[:, 1::2].sum(axis=1)
    return total % 10 == 0


def siret_reasons(values: pa.Array) -> pa.Array:
    """``None`` for a valid SIRET, else decp's French reason; over the distinct values only."""
    values = pc.unique(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    clean = pc.replace_substring_regex(values, _SEPS_RE, "")
    well_formed = pc.fill_null(pc.match_substring_regex(clean, r"^\d{14}$"), False)
    reasons = np.full(len(values), None, dtype=object)
    reasons[~_np(well_formed)] = "SIRET invalide : 14 chiffres attendus"
    reasons[_np(pc.is_null(clean)) | _np(pc.fill_null(pc.equal(clean, ""), True))] = "SIRET absent"
    rows = np.nonzero(_np(well_formed))[0]
    if len(rows):
        chosen = clean.take(pa.array(rows))
        buffer = np.frombuffer(chosen.buffers()[2], np.uint8)
        offsets = np.frombuffer(chosen.buffers()[1], np.int32)[chosen.offset:chosen.offset + len(rows) + 1]
        digits = buffer[offsets[0]:offsets[-1]].reshape(-1, 14) - 48
        ok = luhn_valid(digits)
        poste = (digits[:, :9] == np.array([3, 5, 6, 0, 0, 0, 0, 0, 0])).all(axis=1) & (digits.sum(axis=1) % 5 == 0)
        bad = ~(ok | poste)
        reasons[rows[bad]] = "SIRET invalide : clé de contrôle (Luhn) fausse"
    return values, pa.array(reasons, pa.string())


# --- pipeline ---------------------------------------------------------------------------------

class _Rejects:
    def __init__(self):
        self.counts: dict[str, int] = {}
        self.examples: dict[str, pd.DataFrame] = {}

    def add(self, key: str, mask: np.ndarray, table: pa.Table, value_column: str | None) -> None:
        n = int(mask.sum())
        if not n:
            return
        self.counts[key] = self.counts.get(key, 0) + n
        if key not in self.examples:
            rows = np.nonzero(mask)[0][:EXAMPLES_PER_REASON]
            cols = ["_rang", "uid", "id", "acheteur_id"] + ([value_column] if value_column else [])
            sample = table.select(cols).take(pa.array(rows)).to_pandas()
            self.examples[key] = sample.rename(columns={"_rang": "rang", value_column: "valeur"} if value_column
                                               else {"_rang": "rang"})


def clean_national(path: str | Path, *, today: date | None = None) -> NationalResult:
    """Load and clean a national DECP CSV export (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"Le fichier DECP « {path} » est introuvable.")
    today = today or date.today()
    raw = _read(path)
    n = raw.num_rows
    columns = {c: (_missing_to_null(raw[c]) if c != "considerationsSociales" else raw[c]) for c in _COLUMNS}
    kind = pc.utf8_upper(pc.utf8_trim_whitespace(columns["titulaire_typeIdentifiant"]))
    siret_like = pc.fill_null(pc.equal(kind, "SIRET"), True)
    holder = columns["titulaire_id"]
    columns["titulaire_id"] = pc.if_else(siret_like, pc.replace_substring_regex(holder, _SEPS_RE, ""), holder)
    columns["_rang"] = pa.array(np.arange(1, n + 1, dtype=np.int64))
    table = pa.table(columns)
    rejects = _Rejects()

    # versions of a contract: key = uid, or buyer + id
    key = pc.coalesce(table["uid"], pc.binary_join_element_wise(pc.fill_null(table["acheteur_id"], ""),
                                                                pc.fill_null(table["id"], ""), ""))
    version_text = pc.fill_null(table["modification_id"], "")
    is_int = pc.match_substring_regex(version_text, r"^\d+(\.0+)?$")
    version = _np(pc.cast(pc.if_else(pc.fill_null(is_int, False), pc.replace_substring_regex(
        version_text, r"\.0+$", ""), "0"), pa.int64())).astype(np.int64)
    codes = _codes(key)
    k = int(codes.max()) + 1 if n else 0
    vmin = np.full(k, np.iinfo(np.int64).max)
    vmax = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(vmin, codes, version)
    np.maximum.at(vmax, codes, version)
    pairs = np.unique(codes * (int(version.max()) + 1 if n else 1) + version)
    nversions = np.bincount(pairs // (int(version.max()) + 1 if n else 1), minlength=k)
    initial = np.nonzero(version == vmin[codes])[0]
    holder_codes = _codes(table["titulaire_id"])
    _, first_rows = _first_index(codes, initial)  # one per key, in key order
    first_holder = np.full(k, -1)
    first_holder[codes[first_rows]] = holder_codes[first_rows]
    pair = codes[initial] * (int(holder_codes.max()) + 1) + holder_codes[initial]
    _, first_pair = np.unique(pair, return_index=True)
    repeated = np.ones(len(initial), dtype=bool)
    repeated[first_pair] = False
    dup = repeated & (holder_codes[initial] == first_holder[codes[initial]])
    dup_mask = np.zeros(n, dtype=bool)
    dup_mask[initial[dup]] = True
    rejects.add("doublon_ligne", dup_mask, table, "uid")
    empty_holder = _np(pc.fill_null(pc.equal(pc.fill_null(table["titulaire_id"], ""), ""), True))
    distinct_pairs = initial[~repeated & ~empty_holder[initial]]
    nb_holders = np.bincount(codes[distinct_pairs], minlength=k)
    last = np.nonzero(version == vmax[codes])[0]
    _, last_rows = _first_index(codes, last)
    latest_amount = np.full(k, None, dtype=object)
    latest_amount[codes[last_rows]] = np.asarray(table["montant"].take(pa.array(last_rows)).to_pylist(), dtype=object)

    first_rows = np.sort(first_rows)  # contracts in file order
    kc = codes[first_rows]
    contracts = table.take(pa.array(first_rows))
    has_mods = nversions[kc] > 1
    modification = pa.array(np.where(has_mods, latest_amount[kc], None).tolist(), pa.string())
    m = contracts.num_rows

    # rejected contracts
    type_col = pc.coalesce(contracts["_type"], contracts["type"])
    concession = _np(pc.fill_null(pc.starts_with(pc.utf8_lower(type_col), "contrat de concession"), False))
    rejects.add("concession", concession, contracts, "_type")
    rejected = concession.copy()
    for column, reason in (("id", "id_absent"), ("acheteur_id", "acheteur_absent")):
        miss = ~concession & _np(pc.is_null(contracts[column]))
        rejects.add(reason, miss & ~rejected, contracts, None)
        rejected |= miss & ~rejected
    when = _dates(contracts["dateNotification"])
    date_text_null = _np(pc.is_null(contracts["dateNotification"]))
    when_null = _np(pc.is_null(when))
    miss_date = ~concession & date_text_null
    bad_date = ~concession & ~date_text_null & when_null
    future = ~concession & ~when_null & _np(pc.fill_null(pc.greater(when, pa.scalar(today, pa.date32())), False))
    rejects.add("date_absente", miss_date, contracts, None)
    rejects.add("date_illisible", bad_date, contracts, "dateNotification")
    rejects.add("date_future", future, contracts, "dateNotification")
    rejected |= miss_date | bad_date | future
    cpv_text = pc.replace_substring_regex(pc.replace_substring(contracts["codeCPV"], " ", ""), r"\.0$", "")
    cpv_ok = _np(pc.fill_null(pc.match_substring_regex(cpv_text, r"^\d{8}(-\d)?$"), False))
    cpv_null = _np(pc.is_null(contracts["codeCPV"]))
    miss_cpv = ~concession & cpv_null
    bad_cpv = ~concession & ~cpv_null & ~cpv_ok
    rejects.add("cpv_absent", miss_cpv, contracts, None)
    rejects.add("cpv_invalide", bad_cpv, contracts, "codeCPV")
    rejected |= miss_cpv | bad_cpv

    keep = pa.array(~rejected)
    contracts = contracts.filter(keep)
    when = when.filter(keep)
    cpv = pc.utf8_slice_codeunits(cpv_text.filter(keep), 0, 8)
    modification = modification.filter(keep)
    nb_holders_kept = nb_holders[kc][~rejected]
    nb_mods = (nversions[kc] - 1)[~rejected]

    amount, bad_amount = _numbers(contracts["montant"])
    modified, bad_modified = _numbers(pa.chunked_array([modification]))
    final = np.where(np.isnan(modified), amount, modified)
    out = contracts.drop_columns(["dateNotification", "codeCPV", "modification_id", "type", "_type",
                                  "titulaire_typeIdentifiant"])
    out = out.append_column("dateNotification", when).append_column("codeCPV", cpv)
    out = out.append_column("_montant", pa.array(amount, mask=np.isnan(amount)))

    # duplicate contracts (id, buyer, first holder, amount, date): the first is kept
    acheteur = pc.replace_substring_regex(out["acheteur_id"], "[\\s\u00a0.\\-]", "")
    out = out.set_column(out.column_names.index("acheteur_id"), "acheteur_id", acheteur)
    out = out.append_column("_i", pa.array(np.arange(out.num_rows)))
    firsts = out.group_by(["id", "acheteur_id", "titulaire_id", "_montant", "dateNotification"],
                          use_threads=False).aggregate([("_i", "min")])["_i_min"]
    unique_mask = np.zeros(out.num_rows, dtype=bool)
    unique_mask[_np(firsts)] = True
    rejects.add("doublon_marche", ~unique_mask, out, "id")
    sel = pa.array(unique_mask)
    out = out.filter(sel)
    amount, bad_amount, modified, bad_modified, final = (
        a[unique_mask] for a in (amount, bad_amount, modified, bad_modified, final))
    nb_holders_kept, nb_mods = nb_holders_kept[unique_mask], nb_mods[unique_mask]

    # flags (contracts kept)
    def invalid(values, unreadable):
        missing = np.isnan(values) & ~unreadable
        return missing | unreadable | (values == 0) | (values < MIN_AMOUNT) | (values > MAX_AMOUNT)

    out_of_totals = invalid(amount, bad_amount) | (~np.isnan(modified) & invalid(modified, np.zeros_like(bad_modified)))
    rejects.add("montant_hors_totaux", out_of_totals, out, "montant")
    rejects.add("montant_modifie", ~np.isnan(modified), out, None)
    rejects.add("modification_illisible", bad_modified, out, None)
    holder = out["titulaire_id"]
    digits = pc.replace_substring_regex(holder, _SEPS_RE, "")
    kind = pc.utf8_upper(pc.utf8_trim_whitespace(contracts.filter(sel)["titulaire_typeIdentifiant"]))
    is_siret = _np(pc.and_(pc.is_valid(holder), pc.fill_null(pc.or_(
        pc.equal(kind, "SIRET"), pc.and_(pc.is_null(kind), pc.equal(pc.utf8_length(digits), 14))), False)))
    siret_valid = np.full(out.num_rows, None, dtype=object)
    if is_siret.any():
        values, reasons = siret_reasons(holder.filter(pa.array(is_siret)))
        position = _np(pc.index_in(holder, value_set=values))
        bad_values = _np(pc.is_valid(reasons))
        ok = np.where(is_siret, ~bad_values[np.where(is_siret, position, 0).astype(np.int64)], False)
        siret_valid[is_siret] = ok[is_siret]
        rejects.add("siret_invalide", is_siret & ~ok, out, "titulaire_id")

    division = _np(pc.cast(pc.utf8_slice_codeunits(out["codeCPV"], 0, 2), pa.int64()))
    nature_achat = np.where(division == 45, "travaux",
                            np.where(((division >= 3) & (division <= 44)) | (division == 48), "fournitures", "services"))
    social = pc.utf8_lower(pc.fill_null(out["considerationsSociales"], ""))
    out = out.drop_columns(["_i", "_montant", "montant"])
    out = out.append_column("annee", pc.year(out["dateNotification"]))
    out = out.append_column("nature_achat", pa.array(nature_achat))
    out = out.append_column("montant", pa.array(amount, mask=np.isnan(amount)))
    out = out.append_column("montant_final", pa.array(final, mask=np.isnan(final)))
    out = out.append_column("montant_valide", pa.array(~out_of_totals))
    out = out.append_column("titulaire_siret_valide", pa.array(siret_valid.tolist(), pa.bool_()))
    out = out.append_column("nb_titulaires", pa.array(nb_holders_kept))
    out = out.append_column("nb_modifications", pa.array(nb_mods))
    out = out.append_column("clause_sociale", pc.match_substring(social, "clause sociale"))
    out = out.set_column(out.column_names.index("_rang"), "rang", out["_rang"])
    out = out.append_column("segment", _segments(out["codeCPV"]))
    out = out.append_column("departement", _departments(out["lieuExecution_code"], out["lieuExecution_typeCode"]))
    motifs = pd.DataFrame(
        [(REASONS[r][0], REASONS[r][1], c) for r, c in rejects.counts.items()],
        columns=["motif", "action", "nombre"],
    )
    exemples = {REASONS[r][0]: df for r, df in rejects.examples.items()}
    return NationalResult(out, motifs, exemples, rows_read=k)


def _segments(cpv: pa.ChunkedArray) -> pa.Array:
    from .segments import map_cpv_series

    distinct = pc.unique(cpv.combine_chunks())
    mapped = map_cpv_series(pd.Series(distinct.to_pylist(), dtype="string"))
    return pc.take(pa.array(mapped.astype(object).where(mapped.notna(), None).tolist(), pa.string()),
                   pc.index_in(cpv, value_set=distinct))


def _departments(code: pa.ChunkedArray, kind: pa.ChunkedArray) -> pa.ChunkedArray:
    """Department of the place of execution: a department code as is, else the first 2 characters
    of a commune or postal code (3 for overseas, 97x/98x)."""
    code = pc.utf8_trim_whitespace(code)
    department = pc.fill_null(pc.match_substring(pc.utf8_lower(kind), "département"), False)
    overseas = pc.fill_null(pc.match_substring_regex(code, r"^9[78]"), False)
    head = pc.if_else(overseas, pc.utf8_slice_codeunits(code, 0, 3), pc.utf8_slice_codeunits(code, 0, 2))
    value = pc.if_else(department, pc.utf8_lpad(code, 2, "0"), head)
    return pc.if_else(pc.fill_null(pc.greater_equal(pc.utf8_length(code), 2), False), value,
                      pa.scalar(None, pa.string()))


# --- aggregation, cache, territory extract ----------------------------------------------------

def aggregate_department_segment(table: pa.Table) -> pd.DataFrame:
    """Contracts, contracts with a social clause and valid amounts by department × segment."""
    valid_amount = pc.if_else(table["montant_valide"], table["montant_final"], pa.scalar(None, pa.float64()))
    work = pa.table({"departement": table["departement"], "segment": table["segment"], "uid": table["uid"],
                     "clause": pc.cast(table["clause_sociale"], pa.int64()), "montant": valid_amount})
    grouped = work.group_by(["departement", "segment"]).aggregate(
        [("uid", "count"), ("clause", "sum"), ("montant", "sum")])
    frame = grouped.to_pandas().rename(columns={"uid_count": "marches", "clause_sum": "marches_clause_sociale",
                                                "montant_sum": "montant_total"})
    return frame.sort_values(["departement", "segment"], na_position="last").reset_index(drop=True)


def ingest_national(path: str | Path, cache_dir: str | Path, *, today: date | None = None) -> tuple[Path, pd.DataFrame]:
    """Cleaned national table in the Parquet cache (computed once per file content).

    Returns the cache file and the rejects summary (motif, action, nombre).
    """
    path = Path(path)
    cache_dir = Path(cache_dir)
    digest = file_hash(path)[:24]
    target = cache_dir / f"decp-national-{CACHE_VERSION}-{digest}.parquet"
    summary = target.with_suffix(".motifs.json")
    if target.exists() and summary.exists():
        return target, pd.DataFrame(json.loads(summary.read_text(encoding="utf-8")))
    result = clean_national(path, today=today)
    cache_dir.mkdir(parents=True, exist_ok=True)
    table = result.table.sort_by([("acheteur_id", "ascending"), ("rang", "ascending")])
    tmp = target.with_name(target.name + f".{digest}.tmp")
    pq.write_table(table, tmp, compression="zstd", row_group_size=65536)
    tmp.replace(target)
    summary.write_text(json.dumps(result.motifs.to_dict(orient="records"), ensure_ascii=False), encoding="utf-8")
    return target, result.motifs


def buyers_contracts(cache: str | Path, acheteurs: set[str]) -> pd.DataFrame:
    """Contracts of the given buyers only (SIRET set), read from the cache (row groups pruned)."""
    from .siret import normalize_siret

    wanted = sorted({normalize_siret(a) for a in acheteurs if normalize_siret(a)})
    table = pq.read_table(cache, filters=[("acheteur_id", "in", wanted)] if wanted else None)
    if not wanted:
        table = table.slice(0, 0)
    return table.sort_by("rang").to_pandas()
