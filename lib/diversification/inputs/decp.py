"""Loader of the public procurement data (DECP, données essentielles de la commande publique).

Reads what facilitators download from data.gouv.fr, as published:

* JSON, 2024 schema (139bercy/format-commande-publique, v2.0.x), **nested** layout
  ``{"marches": {"marche": [...]}}`` with ``titulaires[].titulaire`` and
  ``considerationsSociales.considerationSociale[]``;
* JSON, 2024 schema, **flat** layout (``marches`` is a list, ``titulaires`` a list of
  ``{typeIdentifiant, id}``, ``considerationsSociales`` a list);
* JSON, 2019 schema (no social-consideration field; buyer sometimes given as a dotted key
  ``"acheteur.id"``; modifications without the ``modification`` wrapper; holders of
  modifications as nested lists of lists);
* the national tabular CSV export of decp-processing (one row per contract × holder ×
  version, ``modification_id`` 0 for the initial data, ``donneesActuelles`` for the latest
  version, lists joined with ``", "``), with ``,`` or ``;`` separators, decimal commas and
  ``NC`` values.

Output: one row per contract (:data:`DECP_COLUMNS`, official DECP field names kept where they
exist). Every contract found is either in the table or in the rejects log with a French
reason; duplicates are logged with :data:`~diversification.inputs.errors.ACTION_DUPLICATE_REMOVED`.

The JSON path extracts contracts record by record (Python); the CSV path is read with pyarrow and
reshaped with vectorised pandas operations. Both feed the same cleaning step, which applies the rules of
:mod:`diversification.inputs.decp_rules` (the national reader applies the same ones) and writes the
French rejects log.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from diversification.inputs import decp_rules as rules
from diversification.inputs import formatting
from diversification.inputs.errors import (
    ACTION_AMOUNT_UPDATED, ACTION_DUPLICATE_REMOVED, ACTION_EXCLUDED_FROM_TOTALS, ACTION_ROW_REJECTED,
    ACTION_VALUE_FLAGGED, ACTION_VALUE_IGNORED, InputError, RejectionLog,
)
from diversification.inputs.parsing import MISSING_TOKENS, normalize_header
from diversification.inputs.results import LoadResult
from diversification.inputs.siret import normalize_siret
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

INPUT_KEY = "decp"

#: Columns of the output table, in order.
DECP_COLUMNS: list[str] = [
    "uid",
    "id",
    "acheteur_id",
    "acheteur_nom",
    "nature",
    "nature_achat",
    "objet",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "annee",
    "montant",
    "montant_final",
    "montant_valide",
    "lieuExecution_code",
    "lieuExecution_typeCode",
    "titulaire_id",
    "titulaire_typeIdentifiant",
    "titulaire_nom",
    "titulaires_ids",
    "nb_titulaires",
    "titulaire_siret_valide",
    "considerationsSociales",
    "consideration_sociale",
    "clause_sociale",
    "critere_social",
    "marche_reserve",
    "idAccordCadre",
    "formePrix",
    "nb_modifications",
    "format_source",
    "fichier",
    "ligne",
]

FORMAT_NESTED = "2024 imbriqué"
FORMAT_FLAT = "2024 plat"
FORMAT_2019 = "2019"
FORMAT_CSV = "CSV"

#: A contract without a usable CPV code is kept under the indeterminate segment (and flagged).
CPV_MISSING_REASON = ("code CPV absent : marché conservé sous « segment indéterminé » (compté dans les totaux "
                      "de l'acheteur et les parts de considération sociale, hors classement des segments)")
CPV_INVALID_REASON = ("invalide (8 chiffres attendus, ex. 45000000 ou 45000000-7) : marché conservé sous "
                      "« segment indéterminé » (compté dans les totaux de l'acheteur et les parts de considération "
                      "sociale, hors classement des segments)")

#: Official values of ``considerationSociale`` (schema 2024), as the rejects log names them.
SOCIAL_CLAUSE = "Clause sociale"
SOCIAL_CRITERION = "Critère social"
RESERVED_MARKET = "Marché réservé"
NO_SOCIAL = "Pas de considération sociale"  # decp-processing writes « Sans objet » for it (decp_rules.SOCIAL_RULE)

#: Keys that only exist in the 2024 schema: a flat record holding one of them is « 2024 plat ».
_KEYS_2024 = {
    "considerationsSociales",
    "considerationsEnvironnementales",
    "ccag",
    "typesPrix",
    "typePrix",
    "techniques",
    "technique",
    "modalitesExecution",
    "modaliteExecution",
    "offresRecues",
    "attributionAvance",
    "tauxAvance",
    "sousTraitanceDeclaree",
    "typeGroupementOperateurs",
    "actesSousTraitance",
    "modificationsActesSousTraitance",
}
_CONTRACT_KEYS = {"id", "acheteur", "acheteur.id", "objet", "codeCPV", "dateNotification", "titulaires"}

#: Intermediate (« raw ») columns shared by the JSON and CSV extractors.
_RAW_COLUMNS = [
    "fichier",
    "ligne",
    "format_source",
    "uid",
    "id",
    "acheteur_id",
    "acheteur_nom",
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "montant",
    "montant_modification",
    "date_modification",
    "lieuExecution_code",
    "lieuExecution_typeCode",
    "titulaire_id",
    "titulaire_typeIdentifiant",
    "titulaire_nom",
    "titulaires_ids",
    "nb_titulaires",
    "considerationsSociales",
    "idAccordCadre",
    "formePrix",
    "nb_modifications",
    "concession",
]
_TEXT_RAW = [
    c
    for c in _RAW_COLUMNS
    if c not in {"ligne", "nb_titulaires", "nb_modifications", "concession"}
]

#: Fields of the national CSV export copied as they are into the output table.
_CSV_FIELDS = [
    "uid",
    "id",
    "acheteur_id",
    "acheteur_nom",
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "montant",
    "lieuExecution_code",
    "lieuExecution_typeCode",
    "titulaire_id",
    "titulaire_typeIdentifiant",
    "titulaire_nom",
    "considerationsSociales",
    "idAccordCadre",
    "formePrix",
]
#: CSV columns read (normalised header → official name). Other columns are ignored.
_CSV_COLUMNS = {
    normalize_header(name): name
    for name in [*_CSV_FIELDS, "modification_id", "donneesActuelles", "type", "_type"]
}
_CSV_COLUMNS["titulaire_denominationsociale"] = "titulaire_nom"
_CSV_REQUIRED = ["id", "acheteur_id", "dateNotification"]

_JSON_SUFFIXES = {".json"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_SEPARATORS = [";", ",", "\t", "|"]
_SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}


# --- public API ------------------------------------------------------------------------------


def load_decp(
    paths: list[Path] | Path,
    *,
    acheteurs: set[str] | None = None,
    today: date | None = None,
) -> LoadResult:
    """Load DECP files (JSON or CSV, 2019 and 2024 schemas) into one row per contract.

    ``paths``: files or folders (a folder contributes its ``.json``, ``.csv`` and ``.txt``
    files). ``acheteurs``: buyer SIRETs to keep; contracts of other buyers are set aside
    (counted in a notice, not rejected, and not counted in ``rows_read``). ``today``: the
    date after which a notification date is in the future (default: today).

    ``rows_read`` is the number of contracts found (of the selected buyers) and equals the
    number of rows of ``table`` plus the number of distinct contracts rejected (duplicates
    included). Raises :class:`InputError` when a whole file is unusable.
    """
    files = _expand_paths(paths)
    today = today or date.today()
    log = RejectionLog(INPUT_KEY)
    notices: list[str] = []
    if not files:
        return LoadResult(
            INPUT_KEY,
            _empty_table(),
            log,
            [],
            0,
            ["Aucun fichier DECP fourni : données de la commande publique absentes."],
            status="absente",
        )
    buyer_filter = None
    if acheteurs is not None:
        buyer_filter = {normalize_siret(a) for a in acheteurs if normalize_siret(a)}
    frames: list[pd.DataFrame] = []
    rows_read = 0
    set_aside = 0
    for path in files:
        raw, file_notices, extra = _extract_file(path, log)
        notices.extend(file_notices)
        if buyer_filter is not None:
            buyer = raw["acheteur_id"].str.replace(r"[\s\u00a0\u202f.\-]", "", regex=True)
            outside = (buyer.notna() & ~buyer.isin(buyer_filter)).astype(bool)
            set_aside += int(outside.sum())
            raw = raw.loc[~outside]
        rows_read += len(raw) + extra
        frames.append(_clean_contracts(raw, log, today))
    table = pd.concat(frames, ignore_index=True) if frames else _empty_table()
    table = _remove_duplicates(table, log)
    table = _flag_contracts(table, log)
    table = table[DECP_COLUMNS].reset_index(drop=True)
    if buyer_filter is not None:
        notices.append(
            f"Filtre des acheteurs ({len(buyer_filter)} SIRET) : {set_aside} marché(s) d'autres acheteurs "
            f"écarté(s) (hors du périmètre, non comptés comme rejets) ; {rows_read} marché(s) retenu(s) à l'examen."
        )
    notices += unknown_social_notice(table)
    return LoadResult(INPUT_KEY, table, log, files, rows_read, notices)


def unknown_social_notice(table: pd.DataFrame) -> list[str]:
    """The French notice of the contracts whose social considerations are unknown (none when there are none)."""
    unknown = int((table["consideration_sociale"] == "inconnue").sum())
    if not unknown:
        return []
    return [f"{unknown} marché(s) sans information sur les considérations sociales (format 2019 ou champ vide) : "
            "classés « inconnue », et non « non »."]


def load_decp_file(
    path: Path,
    *,
    acheteurs: set[str] | None = None,
    today: date | None = None,
) -> LoadResult:
    """Load one DECP file: ``.json``, or ``.csv``/``.txt`` (separator sniffed; UTF-8 with or
    without BOM, or Windows-1252). See :func:`load_decp`."""
    return load_decp([Path(path)], acheteurs=acheteurs, today=today)


def rejected_contracts(result: LoadResult) -> int:
    """Distinct contracts rejected or removed as duplicates (``rows_read - len(table)``)."""
    return len(
        {
            (r["fichier"], r["ligne"])
            for r in result.rejects.records
            if r["action"] in (ACTION_ROW_REJECTED, ACTION_DUPLICATE_REMOVED)
        }
    )


# --- files -----------------------------------------------------------------------------------


def _expand_paths(paths: list[Path] | Path) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(
                sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in _JSON_SUFFIXES | _CSV_SUFFIXES)
            )
        else:
            files.append(p)
    return files


def _extract_file(path: Path, log: RejectionLog) -> tuple[pd.DataFrame, list[str], int]:
    """Raw contracts of one file, its notices, and the number of extra contract occurrences
    already logged by the extractor (CSV duplicates and unreadable lines)."""
    if not path.exists():
        raise InputError(f"Le fichier DECP « {path} » est introuvable.")
    suffix = path.suffix.lower()
    if suffix in _JSON_SUFFIXES:
        raw, notices = _extract_json(path)
        return raw, notices, 0
    if suffix in _CSV_SUFFIXES:
        return _extract_csv(path, log)
    raise InputError(
        f"Le fichier DECP « {path.name} » a une extension non reconnue ({suffix or 'aucune'}) : "
        "attendu .json (données essentielles) ou .csv (export tabulaire)."
    )


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


# --- JSON ------------------------------------------------------------------------------------


def _read_json(path: Path) -> tuple[object, list[str]]:
    raw = path.read_bytes()
    name = path.name
    if not raw.strip():
        raise InputError(f"Le fichier DECP « {name} » est vide.")
    text, encoding = _decode(raw)
    notices = []
    if encoding == "cp1252":
        notices.append(f"« {name} » : encodage Windows-1252 détecté et converti.")
    try:
        return json.loads(text), notices
    except json.JSONDecodeError as exc:
        where = f"ligne {exc.lineno}, colonne {exc.colno}"
        body = text.rstrip()
        first = body.lstrip()[:1]
        truncated = exc.pos >= len(body) or (
            exc.msg.startswith("Unterminated string") and '"' not in text[exc.pos + 1 :]
        )
        if first not in ("{", "["):
            raise InputError(
                f"Le fichier DECP « {name} » n'est pas au format JSON (erreur de syntaxe {where}) : "
                "un fichier de données essentielles commence par {\"marches\": ...}."
            ) from None
        if truncated:
            raise InputError(
                f"Le fichier DECP « {name} » est un JSON tronqué : il s'arrête avant la fin des données "
                f"({where}). Téléchargez-le à nouveau."
            ) from None
        raise InputError(f"Le fichier DECP « {name} » contient une erreur de syntaxe JSON ({where}).") from None


def _contract_list(data: object, name: str) -> tuple[list[tuple[object, bool]], bool]:
    """(item, is_concession) pairs and whether the layout is the 2024 nested one."""
    if not isinstance(data, dict) or "marches" not in data:
        found = ", ".join(f"« {k} »" for k in list(data)[:8]) if isinstance(data, dict) else type(data).__name__
        raise InputError(
            f"Le fichier DECP « {name} » n'a pas le schéma attendu : clé « marches » absente "
            f"(trouvé : {found or 'objet vide'}). Attendu {{\"marches\": [...]}} ou {{\"marches\": {{\"marche\": [...]}}}}."
        )
    marches = data["marches"]
    if isinstance(marches, list):
        return [(item, False) for item in marches], False
    if isinstance(marches, dict):
        if "marche" in marches or "contrat-concession" in marches:
            items = [(m, False) for m in _as_list(marches.get("marche"))]
            items += [(c, True) for c in _as_list(marches.get("contrat-concession"))]
            return items, True
        if _CONTRACT_KEYS & set(marches):
            return [(marches, False)], False
        found = ", ".join(f"« {k} »" for k in list(marches)[:8]) or "objet vide"
        raise InputError(
            f"Le fichier DECP « {name} » : « marches » est un objet qui n'est ni {{\"marche\": [...]}} "
            f"ni un marché (clés trouvées : {found})."
        )
    raise InputError(
        f"Le fichier DECP « {name} » : « marches » devrait être une liste ou un objet "
        f"(trouvé : {'null' if marches is None else type(marches).__name__})."
    )


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _extract_json(path: Path) -> tuple[pd.DataFrame, list[str]]:
    data, notices = _read_json(path)
    items, nested = _contract_list(data, path.name)
    rows = [_json_contract(item, i + 1, path.name, nested, conc) for i, (item, conc) in enumerate(items)]
    raw = _raw_frame(rows)
    formats = raw["format_source"].value_counts()
    detail = ", ".join(f"{n} au format {fmt}" for fmt, n in formats.items())
    notices.append(f"« {path.name} » : {len(raw)} marché(s) trouvé(s)" + (f" ({detail})." if detail else "."))
    return raw, notices


def _get(record: dict, *keys: str) -> object:
    """Nested value, also found under a dotted key (``"acheteur.id"``)."""
    current: object = record
    for i, key in enumerate(keys):
        if not isinstance(current, dict):
            return None
        if key in current:
            current = current[key]
            continue
        dotted = ".".join(keys[i:])
        return current.get(dotted)
    return current


def _unwrap(value: object, wrapper: str) -> list[dict]:
    """Objects from ``[{...}]``, ``[{wrapper: {...}}]`` or nested lists of lists (2019 quirks)."""
    out: list[dict] = []

    def walk(v: object) -> None:
        if isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            if wrapper in v and isinstance(v[wrapper], (dict, list)):
                walk(v[wrapper])
            else:
                out.append(v)

    walk(value)
    return out


def _flatten_holders(value: object) -> list[dict]:
    """Holders from ``[{...}]``, ``[{"titulaire": {...}}]`` or nested lists of lists."""
    return _unwrap(value, "titulaire")


def _flatten_modifications(value: object) -> list[dict]:
    """Modifications with or without the ``modification`` wrapper (schema 2024 has it)."""
    return _unwrap(value, "modification")


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _social_field(record: dict) -> str | None:
    """``|``-joined published values; an empty published list says there is none (:data:`NO_SOCIAL`);
    ``None`` when absent (unknown)."""
    if "considerationsSociales" not in record:
        return None
    value = record["considerationsSociales"]
    if isinstance(value, dict):
        if "considerationSociale" not in value:
            return None
        value = value["considerationSociale"]
    if value is None:
        return None
    values = [str(v).strip() for v in _as_list(value) if v is not None and str(v).strip()]
    return "|".join(values) if values else NO_SOCIAL


def _json_contract(item: object, position: int, name: str, nested: bool, concession: bool) -> dict:
    row = {c: None for c in _RAW_COLUMNS}
    row.update(fichier=name, ligne=position, nb_titulaires=0, nb_modifications=0, concession=concession)
    if not isinstance(item, dict):
        row["format_source"] = FORMAT_NESTED if nested else FORMAT_2019
        row["concession"] = None  # not a contract object: rejected by the cleaning step
        return row
    holders = _flatten_holders(item.get("titulaires"))
    mods = _flatten_modifications(item.get("modifications"))
    if nested:
        fmt = FORMAT_NESTED
    elif _KEYS_2024 & set(item) or any("titulaire" in h for h in _as_list(item.get("titulaires")) if isinstance(h, dict)):
        fmt = FORMAT_FLAT
    else:
        fmt = FORMAT_2019
    if not holders and mods:  # holders only given by a modification
        for mod in reversed(mods):
            holders = _flatten_holders(mod.get("titulaires"))
            if holders:
                break
    ids = []
    for h in holders:
        hid = _holder_id(h)
        if hid and hid not in ids:
            ids.append(hid)
    first = holders[0] if holders else {}
    priced = [
        (i, m) for i, m in enumerate(mods) if _text(m.get("montant")) and str(m.get("montant")).strip().lower() not in MISSING_TOKENS
    ]
    latest = None
    if priced:
        latest = max(priced, key=lambda im: (str(im[1].get("dateNotificationModification") or ""), im[0]))[1]
    kind = str(item.get("_type") or "").strip().lower()
    buyer = _get(item, "acheteur", "id")
    if buyer is None:
        buyer = item.get("acheteur_id")
    row.update(
        format_source=fmt,
        uid=_text(item.get("uid")),
        id=_text(item.get("id")),
        acheteur_id=_text(buyer),
        acheteur_nom=_text(_get(item, "acheteur", "nom")),
        nature=_text(item.get("nature")),
        objet=_text(item.get("objet")),
        codeCPV=_text(item.get("codeCPV")),
        procedure=_text(item.get("procedure")),
        dureeMois=_text(item.get("dureeMois")),
        dateNotification=_text(item.get("dateNotification")),
        montant=_text(item.get("montant")),
        montant_modification=_text(latest.get("montant")) if latest else None,
        date_modification=_text(latest.get("dateNotificationModification")) if latest else None,
        lieuExecution_code=_text(_get(item, "lieuExecution", "code")),
        lieuExecution_typeCode=_text(_get(item, "lieuExecution", "typeCode")),
        titulaire_id=_holder_id(first) if first else None,
        titulaire_typeIdentifiant=_text(first.get("typeIdentifiant")),
        titulaire_nom=_text(first.get("denominationSociale") or first.get("nom")),
        titulaires_ids="|".join(ids) if ids else None,
        nb_titulaires=len(ids),
        considerationsSociales=_social_field(item),
        idAccordCadre=_text(item.get("idAccordCadre")),
        formePrix=_text(item.get("formePrix")),
        nb_modifications=len(mods),
        concession=concession or kind.startswith(rules.CONCESSION_PREFIX) or (
            "autoriteConcedante" in item and buyer is None
        ),
    )
    return row


def _holder_id(holder: dict) -> str | None:
    """Holder id as published; a SIRET loses its spaces and dots (``552 045 999 00869``)."""
    text = _text(holder.get("id"))
    if text is None or not text.strip():
        return None
    if str(holder.get("typeIdentifiant") or "").strip().upper() in ("SIRET", ""):
        return normalize_siret(text)
    return text.strip()


def _raw_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=_RAW_COLUMNS)
    for col in _TEXT_RAW:
        if col == "considerationsSociales":  # "" is an empty published list (« non »), None an absent field
            frame[col] = frame[col].astype("string")
        else:
            frame[col] = _missing_to_na(frame[col].astype("string"))
    frame["ligne"] = frame["ligne"].astype("Int64")
    frame["nb_titulaires"] = frame["nb_titulaires"].astype("Int64")
    frame["nb_modifications"] = frame["nb_modifications"].astype("Int64")
    frame["concession"] = frame["concession"].astype("boolean")
    return frame


# --- CSV -------------------------------------------------------------------------------------


def _read_csv_strings(path: Path) -> tuple[pd.DataFrame, np.ndarray, list[str], list[tuple[int, str]]]:
    """All columns as strings (pyarrow), the 1-based line of each row, notices, bad lines."""
    name = path.name
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"Le fichier DECP « {name} » est vide.")
    notices: list[str] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    else:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raw = raw.decode("cp1252", errors="replace").encode("utf-8")
            notices.append(f"« {name} » : encodage Windows-1252 détecté et converti.")
    head = raw[:65536].decode("utf-8", errors="ignore")
    header_line = next((line for line in head.splitlines() if line.strip()), "")
    counts = {sep: header_line.count(sep) for sep in _SEPARATORS}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0:
        raise InputError(
            f"Le fichier DECP « {name} » n'a qu'une colonne : séparateur non reconnu "
            "(attendu point-virgule, virgule ou tabulation)."
        )
    header = next(csv.reader([header_line], delimiter=sep))
    header = [h.strip() for h in header]
    bad: list[tuple[str, str]] = []

    def on_invalid(row):  # called only for malformed lines (rare): located afterwards
        bad.append((row.text, f"{row.actual_columns} champ(s) au lieu de {row.expected_columns}"))
        return "skip"

    blank = _blank_prefix(raw)
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=blank + 1),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(f"Le fichier DECP « {name} » est illisible comme CSV ({exc}).") from None
    frame = table.to_pandas()
    frame.columns = header
    n = len(frame)
    # Line numbers: header on line 1 (after leading blank lines); quoted values may hold newlines.
    start = blank + 2
    lines = np.arange(start, start + n, dtype=np.int64)
    bad_newlines = sum(text.count("\n") for text, _ in bad)
    expected_newlines = n + len(bad) + 1 + blank - (0 if raw.endswith(b"\n") else 1) + bad_newlines
    if raw.count(b"\n") > expected_newlines and n:
        extra = np.zeros(n, dtype=np.int64)
        for col in frame.columns:
            counts_col = frame[col].str.count("\n")
            if counts_col.any():
                extra += counts_col.fillna(0).to_numpy(dtype=np.int64)
        lines = lines + np.concatenate([[0], np.cumsum(extra)[:-1]])
    bad_lines: list[tuple[int, str]] = []
    position = 0
    for text, reason in bad:
        found = raw.find(text.encode("utf-8"), position)
        if found < 0:
            found = position
        line = raw.count(b"\n", 0, found) + 1
        position = found + max(len(text), 1)
        lines = np.where(lines >= line, lines + text.count("\n") + 1, lines)
        bad_lines.append((line, reason))
    notices.append(
        f"« {name} » : export tabulaire lu ({n} ligne(s), séparateur {_SEPARATOR_NAMES[sep]})."
    )
    return frame, lines, notices, bad_lines


def _blank_prefix(raw: bytes) -> int:
    count = 0
    for line in raw[:4096].splitlines():
        if line.strip():
            break
        count += 1
    return count


def _extract_csv(path: Path, log: RejectionLog) -> tuple[pd.DataFrame, list[str], int]:
    frame, lines, notices, bad = _read_csv_strings(path)
    name = path.name
    mapping: dict[str, str] = {}
    for col in frame.columns:
        official = _CSV_COLUMNS.get(normalize_header(col))
        if official and official not in mapping.values():
            mapping[col] = official
    if not ({"id", "acheteur_id"} & set(mapping.values())):
        raise InputError(
            f"Le fichier DECP « {name} » n'a pas le schéma attendu de l'export tabulaire : colonnes « id » et "
            f"« acheteur_id » absentes (colonnes trouvées : {', '.join(list(frame.columns)[:8])})."
        )
    missing = [c for c in _CSV_REQUIRED if c not in mapping.values()]
    if missing:
        raise InputError(
            f"Le fichier DECP « {name} » : colonne(s) obligatoire(s) absente(s) : "
            + ", ".join(f"« {c} »" for c in missing)
            + "."
        )
    df = frame[list(mapping)].rename(columns=mapping)
    for col in df.columns:
        df[col] = _missing_to_na(df[col].astype("string"))
    df["_line"] = lines
    if "titulaire_id" in df:
        kind = df["titulaire_typeIdentifiant"] if "titulaire_typeIdentifiant" in df else None
        siret_like = (kind.str.strip().str.upper().fillna("SIRET") == "SIRET") if kind is not None else True
        cleaned = df["titulaire_id"].str.replace(r"[\s\u00a0\u202f.\-]", "", regex=True)
        df["titulaire_id"] = df["titulaire_id"].mask(siret_like & df["titulaire_id"].notna(), cleaned)
    extra = 0
    for number, reason in bad:  # malformed lines: one rejected contract each
        log.add(name, number, None, "", f"ligne illisible ({reason}) ; marché rejeté")
        extra += 1

    key = df["uid"] if "uid" in df else pd.Series(pd.NA, index=df.index, dtype="string")
    key = key.fillna(df["acheteur_id"].fillna("") + df["id"].fillna(""))
    df["_key"] = key
    if "modification_id" in df:
        version = pd.to_numeric(df["modification_id"], errors="coerce").fillna(0)
    else:
        version = pd.Series(0.0, index=df.index)
    df["_version"] = version
    df["_holder"] = df["titulaire_id"].fillna("") if "titulaire_id" in df else ""
    grouped = df.groupby("_key", sort=False)["_version"]
    first_version = grouped.transform("min")
    last_version = grouped.transform("max")

    initial = df.loc[df["_version"] == first_version]
    # Repeated (contract, first holder) lines of the initial version: the contract is published twice.
    first_holder = initial.groupby("_key", sort=False)["_holder"].transform("first")
    occurrence = initial.groupby(["_key", "_holder"], sort=False).cumcount()
    repeat = (occurrence > 0) & (initial["_holder"] == first_holder)
    if repeat.any():
        first_line = initial.groupby(["_key", "_holder"], sort=False)["_line"].transform("first")
        for line, kept, ident in zip(initial.loc[repeat, "_line"], first_line[repeat], initial.loc[repeat, "_key"]):
            log.add(
                name,
                int(line),
                "uid",
                ident,
                f"marché en double : mêmes uid et titulaire que la ligne {int(kept)} (conservée)",
                ACTION_DUPLICATE_REMOVED,
            )
        extra += int(repeat.sum())
    holders = initial.drop_duplicates(["_key", "_holder"])
    holders = holders.loc[holders["_holder"] != ""]
    nb_holders = holders.groupby("_key", sort=False).size()
    holder_ids = _join_by_group(holders["_key"], holders["_holder"])

    contracts = initial.drop_duplicates("_key").set_index("_key")
    latest = df.loc[df["_version"] == last_version].drop_duplicates("_key").set_index("_key")
    versions = df.groupby("_key", sort=False)["_version"].nunique()

    out = pd.DataFrame(index=contracts.index)
    out["fichier"] = name
    out["ligne"] = contracts["_line"].astype("Int64")
    out["format_source"] = FORMAT_CSV
    for col in _CSV_FIELDS:
        out[col] = contracts[col] if col in contracts else pd.Series(pd.NA, index=out.index, dtype="string")
    has_mods = (versions.reindex(out.index) > 1).to_numpy()
    out["montant_modification"] = latest["montant"].reindex(out.index).where(has_mods)
    out["date_modification"] = latest["dateNotification"].reindex(out.index).where(has_mods)
    out["titulaires_ids"] = holder_ids.reindex(out.index).astype("string")
    out["nb_titulaires"] = nb_holders.reindex(out.index).fillna(0).astype("Int64")
    out["nb_modifications"] = (versions.reindex(out.index) - 1).astype("Int64")
    if "considerationsSociales" in contracts:
        out["considerationsSociales"] = contracts["considerationsSociales"]  # labels split by decp_rules
    kind = None
    for col in ("_type", "type"):
        if col in contracts:
            kind = contracts[col]
    out["concession"] = (
        kind.str.lower().str.startswith(rules.CONCESSION_PREFIX).fillna(False).astype("boolean")
        if kind is not None
        else pd.Series(False, index=out.index, dtype="boolean")
    )
    out = out.reset_index(drop=True)[_RAW_COLUMNS]
    for col in _TEXT_RAW:
        out[col] = out[col].astype("string")
    return out, notices, extra


def _join_by_group(keys: pd.Series, values: pd.Series, sep: str = "|") -> pd.Series:
    """``sep``-joined values of each key, in order of appearance (vectorised with pyarrow)."""
    if keys.empty:
        return pd.Series(dtype="string")
    codes, uniques = pd.factorize(keys, sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=len(uniques))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = pa.array(values.to_numpy(dtype=object)[order], type=pa.string())
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), flat), sep)
    return pd.Series(joined.to_pylist(), index=pd.Index(uniques), dtype="string")


# --- cleaning (vectorised, shared by JSON and CSV) -------------------------------------------

def _missing_to_na(series: pd.Series) -> pd.Series:
    """Trimmed, the missing-value tokens as missing (:func:`decp_rules.clean_text`)."""
    return _series(rules.clean_text(_arrow(series)), series.index, "string")


def _arrow(series: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow, for the rules of :mod:`decp_rules`."""
    return pa.chunked_array([pa.array(series.astype("string"), pa.string())])


def _series(values: pa.Array, index: pd.Index, dtype: str | None = None) -> pd.Series:
    """An Arrow column of a rule's result as a pandas column on ``index`` (by position)."""
    return pd.Series(values.to_pandas().to_numpy(), index=index, dtype=dtype)


def _fmt_amount(value: float) -> str:
    return formatting.euros(value, 0 if float(value).is_integer() else 2)


def _reject(log: RejectionLog, frame: pd.DataFrame, mask: pd.Series, column: str, values, reasons) -> None:
    if not mask.any():
        return
    sub = frame.loc[mask]
    values = values[mask] if isinstance(values, pd.Series) else [values] * len(sub)
    reasons = reasons[mask] if isinstance(reasons, pd.Series) else [reasons] * len(sub)
    for fichier, ligne, value, reason in zip(sub["fichier"], sub["ligne"], values, reasons):
        log.add(fichier, None if pd.isna(ligne) else int(ligne), column, None if pd.isna(value) else value, reason)


def _clean_contracts(raw: pd.DataFrame, log: RejectionLog, today: date) -> pd.DataFrame:
    """Typed contract rows; invalid contracts are logged as rejected and dropped."""
    df = raw.reset_index(drop=True)
    rejected = pd.Series(False, index=df.index)

    not_object = df["concession"].isna()
    _reject(log, df, not_object, "marches", "", "élément de « marches » qui n'est pas un objet marché ; rejeté")
    rejected |= not_object
    concession = df["concession"].fillna(False).astype(bool) & ~rejected
    _reject(
        log,
        df,
        concession,
        "_type",
        "Contrat de concession",
        "contrat de concession : hors du champ de l'étude des marchés publics ; rejeté",
    )
    rejected |= concession

    live = ~rejected
    for column, label in (("id", "identifiant du marché (id)"), ("acheteur_id", "identifiant de l'acheteur (acheteur.id)")):
        miss = live & df[column].isna()
        _reject(log, df, miss, column, "", f"{label} absent ; marché rejeté")
        rejected |= miss

    # every value rule once per distinct value (decp_rules, the same as for the national file)
    found = rules.lookups(rules.small_cursor(), {c: _arrow(df[c]) for c in rules.LOOKUP_COLUMNS if c in df},
                          len(df), today)
    date_code, by_date = found["date"]
    when = _series(rules.spread(by_date, "date_notif", date_code), df.index).astype("datetime64[ns]")
    date_text = _series(rules.spread(by_date, "text", date_code), df.index, "string")
    in_scope = ~not_object & ~concession
    miss_date = in_scope & date_text.isna()
    _reject(log, df, miss_date, "dateNotification", "", "date de notification absente ; marché rejeté")
    bad_date = in_scope & ~miss_date & pd.Series(rules.flags(by_date, "illisible")[date_code], index=df.index)
    _reject(
        log,
        df,
        bad_date,
        "dateNotification",
        df["dateNotification"],
        "date de notification « " + df["dateNotification"].fillna("") + " » impossible ou illisible "
        "(format attendu aaaa-mm-jj) ; marché rejeté",
    )
    future = in_scope & pd.Series(rules.flags(by_date, "future")[date_code], index=df.index)
    _reject(
        log,
        df,
        future,
        "dateNotification",
        df["dateNotification"],
        "date de notification « " + df["dateNotification"].fillna("") + f" » postérieure à la date du jour "
        f"({today:%d/%m/%Y}) ; marché rejeté",
    )
    rejected |= miss_date | bad_date | future

    # A contract without a usable CPV code is kept (counted in the buyer's totals and shares) under the
    # indeterminate segment: only the contracts that cannot be counted at all are rejected.
    keep = ~rejected.to_numpy()
    df = df.loc[keep].copy()

    def value(key: str, name: str, dtype: str | None = None) -> pd.Series:
        """Column ``name`` of the rule ``key``, for the contracts kept."""
        code, result = found[key]
        return _series(rules.spread(result, name, code[keep]), df.index, dtype)

    out = pd.DataFrame(index=df.index)
    out["id"] = df["id"]
    out["acheteur_id"] = value("buyer", "acheteur_id", "string")
    out["uid"] = df["uid"].fillna(out["acheteur_id"] + df["id"])
    out["acheteur_nom"] = df["acheteur_nom"]
    out["nature"] = df["nature"]
    out["nature_achat"] = value("cpv", "nature_achat", "string")
    out["objet"] = df["objet"]
    out["codeCPV"] = value("cpv", "codeCPV", "string")
    out["_cpv_txt"] = value("cpv", "text", "string")  # flagged after the duplicates are removed (_flag_contracts)
    out["_cpv_invalide"] = value("cpv", "invalide", "boolean").fillna(False).astype(bool)
    out["procedure"] = df["procedure"]
    bad_months = value("duration", "duree_bad", "boolean").fillna(False).astype(bool)
    _flag(
        log,
        df,
        bad_months,
        "dureeMois",
        df["dureeMois"],
        "durée en mois « " + df["dureeMois"].fillna("") + " » illisible (nombre entier attendu) : valeur ignorée",
        ACTION_VALUE_IGNORED,
    )
    out["dureeMois"] = value("duration", "dureeMois", "Int64")
    out["dateNotification"] = when[keep]
    out["annee"] = value("date", "annee", "Int64")

    amount, bad_amount = rules.parse_numbers(df["montant"])
    modified, bad_modified = rules.parse_numbers(df["montant_modification"])
    out["montant"] = amount
    out["montant_final"] = modified.fillna(amount)
    out["_montant_txt"] = df["montant"]
    out["_bad_amount"] = bad_amount
    out["_montant_modif"] = modified
    out["_montant_modif_txt"] = df["montant_modification"]
    out["_bad_modif"] = bad_modified
    out["_date_modif"] = df["date_modification"]

    out["lieuExecution_code"] = df["lieuExecution_code"]
    out["lieuExecution_typeCode"] = df["lieuExecution_typeCode"]
    out["titulaire_id"] = value("holder", "titulaire_id", "string")
    out["titulaire_typeIdentifiant"] = df["titulaire_typeIdentifiant"]
    out["titulaire_nom"] = df["titulaire_nom"]
    out["titulaires_ids"] = df["titulaires_ids"]
    out["nb_titulaires"] = df["nb_titulaires"].astype("Int64")
    # the holder's SIRET check (decp_rules: checked when typed SIRET, or untyped with 14 characters)
    holder_code = found["holder"][0][keep]
    is_siret, siret_reason, siret_valid = found["siret"]
    out["titulaire_siret_valide"] = _series(siret_valid.take(pa.array(holder_code)), df.index, "boolean")
    out["_siret_probleme"] = _series(pc.if_else(pa.array(is_siret), siret_reason, pa.scalar(None, pa.string()))
                                     .take(pa.array(holder_code)), df.index, "string")

    out["considerationsSociales"] = value("social", "considerationsSociales", "string")
    out["consideration_sociale"] = value("social", "consideration_sociale", "string")
    for column in ("clause_sociale", "critere_social", "marche_reserve"):
        out[column] = value("social", column, "boolean")
    unknown = value("social", "inconnues")
    flagged = value("social", "social_bad", "boolean").fillna(False).astype(bool)
    for fichier, ligne, labels in zip(df.loc[flagged, "fichier"], df.loc[flagged, "ligne"], unknown[flagged]):
        for label in labels:
            log.add(
                fichier,
                int(ligne),
                "considerationsSociales",
                label,
                f"considération sociale « {label} » inconnue du schéma officiel (attendu : {SOCIAL_CLAUSE}, "
                f"{SOCIAL_CRITERION}, {RESERVED_MARKET} ou {NO_SOCIAL}) : valeur ignorée",
                ACTION_VALUE_IGNORED,
            )

    out["idAccordCadre"] = df["idAccordCadre"]
    out["formePrix"] = df["formePrix"]
    out["nb_modifications"] = df["nb_modifications"].astype("Int64")
    out["format_source"] = df["format_source"]
    out["fichier"] = df["fichier"]
    out["ligne"] = df["ligne"].astype("Int64")
    return out.reset_index(drop=True)


def _flag(log: RejectionLog, frame: pd.DataFrame, mask: pd.Series, column: str, values, reasons, action: str) -> None:
    if not mask.any():
        return
    sub = frame.loc[mask]
    values = values[mask] if isinstance(values, pd.Series) else [values] * len(sub)
    reasons = reasons[mask] if isinstance(reasons, pd.Series) else [reasons] * len(sub)
    for fichier, ligne, value, reason in zip(sub["fichier"], sub["ligne"], values, reasons):
        log.add(fichier, int(ligne), column, None if pd.isna(value) else value, reason, action)


def _remove_duplicates(table: pd.DataFrame, log: RejectionLog) -> pd.DataFrame:
    """Same :data:`decp_rules.DUPLICATE_KEY` (id, buyer, first holder, amount, date): the first is kept."""
    keys = list(rules.DUPLICATE_KEY)
    if table.empty:
        return table
    dup = table.duplicated(keys, keep="first")
    if dup.any():
        groups = table.groupby(keys, dropna=False, sort=False)
        kept_file = groups["fichier"].transform("first")
        kept_line = groups["ligne"].transform("first")
        for fichier, ligne, ident, kf, kl in zip(
            table.loc[dup, "fichier"], table.loc[dup, "ligne"], table.loc[dup, "id"], kept_file[dup], kept_line[dup]
        ):
            unit = "position" if str(kf).lower().endswith(".json") else "ligne"
            where = f"{unit} {int(kl)}" + (f" du fichier « {kf} »" if kf != fichier else "")
            log.add(
                fichier,
                int(ligne),
                "id",
                ident,
                f"marché en double (même id, acheteur, titulaire, montant et date de notification) : "
                f"doublon de celui conservé ({where})",
                ACTION_DUPLICATE_REMOVED,
            )
    return table.loc[~dup].reset_index(drop=True)


def _flag_contracts(table: pd.DataFrame, log: RejectionLog) -> pd.DataFrame:
    """Amount validity, modification amounts and holder SIRET checks (contracts kept)."""
    df = table.copy()
    if df.empty:
        df["montant_valide"] = pd.Series(dtype="boolean")
        df["titulaire_siret_valide"] = pd.Series(dtype="boolean")
        return df.drop(columns=[c for c in df.columns if c.startswith("_")])

    # CPV code absent or unusable: the contract is kept under the indeterminate segment, and flagged.
    _flag(log, df, df["_cpv_txt"].isna(), "codeCPV", "", CPV_MISSING_REASON, ACTION_VALUE_FLAGGED)
    _flag(log, df, df["_cpv_invalide"], "codeCPV", df["_cpv_txt"],
          "code CPV « " + df["_cpv_txt"].fillna("") + " » " + CPV_INVALID_REASON, ACTION_VALUE_FLAGGED)

    # Modification amounts: unreadable ones are ignored, readable ones replace the initial amount.
    _flag(
        log,
        df,
        df["_bad_modif"],
        "modifications.montant",
        df["_montant_modif_txt"],
        "montant de modification « " + df["_montant_modif_txt"].fillna("") + " » illisible : valeur ignorée",
        ACTION_VALUE_IGNORED,
    )
    updated = df["_montant_modif"].notna()
    if updated.any():
        sub = df.loc[updated]
        for fichier, ligne, before, after, text, when in zip(
            sub["fichier"], sub["ligne"], sub["montant"], sub["_montant_modif"], sub["_montant_modif_txt"], sub["_date_modif"]
        ):
            start = "absent" if pd.isna(before) else _fmt_amount(float(before))
            dated = "" if pd.isna(when) else f" notifiée le {when}"
            log.add(
                fichier,
                int(ligne),
                "modifications.montant",
                text,
                f"montant initial {start} remplacé par {_fmt_amount(float(after))} (dernière modification{dated})",
                ACTION_AMOUNT_UPDATED,
            )

    valid = pd.Series(True, index=df.index)
    for column, value_col, text_col, bad_col in (
        ("montant", "montant", "_montant_txt", "_bad_amount"),
        ("modifications.montant", "_montant_modif", "_montant_modif_txt", None),
    ):
        value = df[value_col]
        text = df[text_col].fillna("")
        if bad_col is not None:
            missing = value.isna() & ~df[bad_col]
            unreadable = df[bad_col]
        else:
            missing = pd.Series(False, index=df.index)
            unreadable = pd.Series(False, index=df.index)
        zero = (value == 0).fillna(False).astype(bool)
        small = (value < rules.MIN_AMOUNT).fillna(False).astype(bool) & ~zero
        huge = (value > rules.MAX_AMOUNT).fillna(False).astype(bool)
        label = "montant" if column == "montant" else "montant de la dernière modification"
        reasons = pd.Series("", index=df.index, dtype="string")
        reasons = reasons.mask(missing, f"{label} absent (vide ou « NC »)")
        reasons = reasons.mask(unreadable, label + " « " + text + " » illisible")
        reasons = reasons.mask(zero, label + " « " + text + " » nul")
        reasons = reasons.mask(small, label + " « " + text + " » inférieur à 1 €")
        reasons = reasons.mask(huge, label + " « " + text + " » supérieur à 3 milliards d'euros : valeur aberrante")
        reasons = reasons + " : marché exclu des totaux de montants, conservé dans les comptes"
        bad = missing | unreadable | zero | small | huge
        _flag(log, df, bad, column, df[text_col], reasons, ACTION_EXCLUDED_FROM_TOTALS)
        valid &= ~bad
    df["montant_valide"] = valid.astype("boolean")

    # Holder SIRET (checked in _clean_contracts): an invalid one is kept and flagged
    invalid = df["_siret_probleme"].notna()
    _flag(
        log,
        df,
        invalid,
        "titulaire_id",
        df["titulaire_id"],
        df["_siret_probleme"].fillna("") + " (« " + df["titulaire_id"].fillna("") + " ») : titulaire conservé, à vérifier",
        ACTION_VALUE_FLAGGED,
    )
    return df.drop(columns=[c for c in df.columns if c.startswith("_")])


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in DECP_COLUMNS})
