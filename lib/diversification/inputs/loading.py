"""One loader per territory input (docs/ARCHITECTURE.md, « Inputs »), built on one generic typed loader.

Every loader returns a :class:`~diversification.inputs.results.LoadResult`: the valid
rows, and a rejection report (file, line, column, value, French reason, what
happened). Rules:

* a missing required column, an empty or unreadable file → :class:`InputError`
  (the input is unusable; :func:`load_territory` records it and goes on);
* a bad value in a required column → the row is rejected;
* a bad value in an optional column → the value is ignored, the row kept, and
  the value listed in the report;
* an unknown extra column → reported and ignored; a direct personal
  identifier column (name, birth date...) → dropped with a notice;
* exact duplicate rows → removed (the first is kept) and reported.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from diversification.inputs import parsing
from diversification.inputs.config import load_config, TerritoryConfig
from diversification.inputs.decp import load_decp
from diversification.inputs.errors import (
    ACTION_COLUMN_DROPPED, ACTION_COLUMN_IGNORED, ACTION_COUNTS_ADDED, ACTION_DUPLICATE_REMOVED,
    ACTION_FILE_REJECTED, ACTION_ROW_REJECTED, ACTION_VALUE_FLAGGED, ACTION_VALUE_IGNORED, ConfigError,
    describe_lines, InputError, RejectionLog,
)
from diversification.inputs.national import load_territory_decp
from diversification.inputs.paths import decp_cache_dir
from diversification.inputs.pseudonymisation import (
    find_direct_identifier_columns, load_or_create_salt, pseudonymize_series,
)
from diversification.inputs.reading import EXCEL_SUFFIXES, read_raw_table, SPREADSHEET_SUFFIXES, TEXT_SUFFIXES
from diversification.inputs.results import LoadResult
from diversification.inputs.schemas import (
    ACHATS_PREVUS, build_pandera_schema, ColumnSpec, DEMANDEURS_EMPLOI, InputSpec, MARGINS_COLUMN, METIERS_TENSION,
    STRUCTURES_INCLUSIVES, SUIVI_CLAUSES, TABULAR_INPUTS,
)
from diversification.inputs.segments import segment_for_cpv, segment_labels, split_sectors
from diversification.inputs.siret import normalize_siret, row_problems

#: Oldest date accepted in any input.
MIN_DATE = pd.Timestamp("1990-01-01")

#: Spellings met in real exports for the category vocabularies (normalised keys).
CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "sexe": {"f": "F", "femme": "F", "femmes": "F", "feminin": "F", "h": "H", "homme": "H", "hommes": "H", "m": "H",
             "masculin": "H"},
    "tranche_age": {
        "moins_de_26_ans": "moins de 26 ans", "26": "moins de 26 ans", "moins_de_25_ans": "moins de 26 ans",
        "26_49_ans": "26-49 ans", "25_49_ans": "26-49 ans", "26_49": "26-49 ans",
        # the bands of France Travail / DARES statistics (« Moins de 25 ans », « 25 à 49 ans », « 50 ans ou plus »)
        "25_a_49_ans": "26-49 ans", "de_25_a_49_ans": "26-49 ans", "entre_25_et_49_ans": "26-49 ans",
        "50_ans_et_plus": "50 ans et plus", "50": "50 ans et plus", "50_et_plus": "50 ans et plus",
        "plus_de_50_ans": "50 ans et plus", "50_ans_ou_plus": "50 ans et plus",
    },
    "niveau_qualification": {
        "infra_3": "infra 3 (sans diplôme)", "sans_diplome": "infra 3 (sans diplôme)", "aucun_diplome": "infra 3 (sans diplôme)",
        "baccalaureat": "4 (bac)", "niveau_bac": "4 (bac)",
        "3": "3 (CAP-BEP)", "cap_bep": "3 (CAP-BEP)", "cap": "3 (CAP-BEP)", "v": "3 (CAP-BEP)",
        "4": "4 (bac)", "bac": "4 (bac)", "iv": "4 (bac)",
        "5": "5 (bac+2)", "bac_2": "5 (bac+2)", "iii": "5 (bac+2)",
        "6_et_plus": "6 et plus (bac+3 et plus)", "6": "6 et plus (bac+3 et plus)", "bac_3_et_plus": "6 et plus (bac+3 et plus)",
    },
    "anciennete": {"moins_d_un_an": "moins d'un an", "un_an_ou_plus": "un an ou plus", "12_mois_et_plus": "un an ou plus",
                   # labels of France Travail / DARES statistics
                   "inscrits_depuis_moins_d_un_an": "moins d'un an", "inscrits_depuis_un_an_ou_plus": "un an ou plus",
                   "deld": "un an ou plus", "moins_de_3_mois": "moins d'un an", "de_3_a_moins_de_6_mois": "moins d'un an",
                   "de_6_a_moins_de_12_mois": "moins d'un an", "de_1_an_a_moins_de_2_ans": "un an ou plus",
                   "de_2_ans_a_moins_de_3_ans": "un an ou plus", "3_ans_ou_plus": "un an ou plus",
                   "2_ans_ou_plus": "un an ou plus"},
    # « Catégorie A » of France Travail / Dares tables
    "categorie": {f"{prefix}_{c.lower()}": c for prefix in ("categorie", "cat") for c in "ABC"},
    "nature": {"travaux": "travaux", "services": "services", "service": "services", "fournitures": "fournitures",
               "fourniture": "fournitures"},
}

#: Synonyms above that are approximations, with what the reader should know (a notice per file).
APPROXIMATE_SYNONYMS: dict[str, dict[str, str]] = {
    "tranche_age": dict.fromkeys(
        ("moins_de_25_ans", "25_a_49_ans", "de_25_a_49_ans", "entre_25_et_49_ans", "25_49_ans"),
        "tranches de France Travail : les jeunes de 25 ans comptent parmi les 26-49 ans"),
}

_ROME = re.compile(r"^[A-N]\d{4}$")

#: Values of a total row in a published table (« Total », « Ensemble », « ABC » for the job-seeker categories).
_TOTAL_LABELS = {"total", "ensemble", "tous", "toutes", "abc", "total_abc", "categories_abc"}
#: Values that make a row a margin of a margin column (:attr:`ColumnSpec.margin`): the column's values all counted.
#: A job-seeker category total counts A, B and C only when it says so: « Total » alone may include D and E.
_MARGIN_LABELS = {"total", "ensemble", "tous", "toutes", "tout", "total_general", "ensemble_des_inscrits",
                  "tous_metiers", "ensemble_des_metiers", "tous_niveaux", "tous_ages", "toutes_tranches"}
_CATEGORY_MARGIN_LABELS = {"abc", "a_b_c", "a_b_et_c", "total_abc", "categories_abc", "categories_a_b_c",
                           "categories_a_b_et_c", "categorie_abc", "categorie_a_b_c", "cat_abc"}
#: How published statistics write a count under statistical secrecy.
_SECRET_TOKENS = {"*", "s", "secret", "ss", "(s)"}
#: A parsed margin value (the cell is left empty and the column named in :data:`MARGINS_COLUMN`).
MARGIN = object()
#: A category written in full with its code at the end (« Entreprise d'insertion (EI) », exports of the Marché de l'inclusion).
_CODE_IN_PARENTHESES = re.compile(r"\(\s*([^()]{1,12}?)\s*\)\s*$")


# --- the generic typed loader ---------------------------------------------------------------


_STOPWORDS = {"de", "du", "des", "d", "la", "le", "l", "les", "en", "a"}


def _loose(key: str) -> str:
    """``niveau_de_qualification`` → ``niveau_qualification`` (French articles dropped)."""
    return "_".join(t for t in key.split("_") if t not in _STOPWORDS)


def _column_lookup(spec: InputSpec) -> dict[str, str]:
    lookup = {}
    for col in spec.columns:
        for name in (col.name, *col.aliases):
            key = parsing.normalize_header(name)
            lookup[key] = col.name
            lookup.setdefault(_loose(key), col.name)
    return lookup


def _category_map(col: ColumnSpec) -> dict[str, str]:
    mapping = {parsing.normalize_header(v): v for v in col.allowed}
    mapping.update(CATEGORY_SYNONYMS.get(col.name, {}))
    return mapping


def _parse_value(col: ColumnSpec, value: str, categories: dict[str, str] | None):
    """Typed value, ``None`` or :data:`MARGIN`; raises ValueError with a French reason."""
    if col.margin and not parsing.is_missing(value):
        key = parsing.normalize_header(value)
        if key in (_CATEGORY_MARGIN_LABELS if col.name == "categorie" else _MARGIN_LABELS):
            return MARGIN
    if col.kind == "str":
        return None if parsing.is_missing(value) else str(value).strip()
    if col.kind == "int":
        if str(value).strip().lower() in _SECRET_TOKENS:
            raise ValueError(f"valeur soumise au secret statistique dans le fichier source (« {str(value).strip()} ») : "
                             "elle n'est pas comptée, ni comme zéro")
        return parsing.parse_int(value)
    if col.kind == "float":
        return parsing.parse_number(value)
    if col.kind == "date":
        return parsing.parse_date(value)
    if col.kind == "bool":
        return parsing.parse_bool(value)
    if col.kind == "cpv":
        return parsing.normalize_cpv(value)
    if col.kind == "siret":
        return normalize_siret(None if parsing.is_missing(value) else value)
    if col.kind == "category":
        if parsing.is_missing(value):
            return None
        key = parsing.normalize_header(value)
        if key in categories:
            return categories[key]
        if key in _TOTAL_LABELS and col.margin:  # a job-seeker category « Total »: with or without D and E?
            raise ValueError(f"total (« {str(value).strip()} ») sans précision des catégories : il peut compter les "
                             "catégories D et E ; écrire « ABC » pour l'ensemble des catégories A, B et C")
        if key in _TOTAL_LABELS:
            raise ValueError(f"ligne de total (« {str(value).strip()} ») : elle compterait deux fois les lignes détaillées")
        code = _CODE_IN_PARENTHESES.search(str(value))  # « Entreprise d'insertion (EI) »
        if code and parsing.normalize_header(code.group(1)) in categories:
            return categories[parsing.normalize_header(code.group(1))]
        raise ValueError(f"valeur hors liste (admises : {', '.join(col.allowed)})")
    raise AssertionError(col.kind)


def _typed_series(values: list, kind: str) -> pd.Series:
    if kind == "int":
        return pd.array(values, dtype="Int64")
    if kind == "float":
        return pd.array(values, dtype="Float64")
    if kind == "bool":
        return pd.array(values, dtype="boolean")
    if kind == "date":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
    return pd.Series(values, dtype=object)


def load_table(
    paths: Path | list[Path],
    spec: InputSpec,
    *,
    today: dt.date | None = None,
    preprocess=None,
) -> LoadResult:
    """Load one tabular input from one or several files, typed and checked against ``spec``."""
    paths = [Path(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])]
    log = RejectionLog(spec.key)
    frames, notices, rows_read = [], [], 0
    for path in paths:
        frame, file_notices, n = _load_one_file(path, spec, log, today=today, preprocess=preprocess)
        frames.append(frame)
        notices.extend(file_notices)
        rows_read += n
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = _drop_duplicates(table, spec, log)
    return LoadResult(spec.key, table.reset_index(drop=True), log, paths, rows_read, notices)


def _load_one_file(path, spec, log, *, today, preprocess):
    expected = [c.name for c in spec.columns] + [a for c in spec.columns for a in c.aliases]
    raw = read_raw_table(path, expected)
    notices = list(raw.notices)
    frame = raw.frame
    if preprocess is not None:
        frame, extra = preprocess(frame, raw)
        notices.extend(extra)
    lookup = _column_lookup(spec)
    # Direct identifiers are looked for in participant-level inputs only (a structure has a « nom »).
    dropped = find_direct_identifier_columns(list(frame.columns)) if spec.personal else []
    renames, unknown = {}, []
    for name in frame.columns:
        key = parsing.normalize_header(name)
        if name in dropped:
            continue
        target = lookup.get(key) or lookup.get(_loose(key))
        if target and target not in renames.values():
            renames[name] = target
        else:
            unknown.append(name)
    for name in dropped:
        log.add(path, None, name, "", "donnée personnelle directe : colonne supprimée dès le chargement", ACTION_COLUMN_DROPPED)
    if dropped:
        notices.append(
            f"« {path.name} » : colonne(s) {', '.join('« ' + c + ' »' for c in dropped)} supprimée(s) dès le chargement : "
            "ce sont des données personnelles directes dont l'étude n'a pas besoin."
        )
    for name in unknown:
        log.add(path, None, name, "", "colonne inconnue du format attendu : ignorée", ACTION_COLUMN_IGNORED)
    if unknown:
        notices.append(f"« {path.name} » : colonne(s) inconnue(s) ignorée(s) : {', '.join('« ' + c + ' »' for c in unknown)}.")
    frame = frame.drop(columns=dropped + unknown).rename(columns=renames)
    missing = [c for c in spec.required_columns if c not in frame.columns]
    if missing:
        described = ", ".join(f"« {c} » ({spec.column(c).title})" for c in missing)
        hint = ""
        if len(raw.frame.columns) == 1:
            hint = (" Une seule colonne a été lue : le séparateur n'a pas été reconnu "
                    "(attendus : point-virgule, virgule, tabulation ou barre verticale).")
        raise InputError(
            f"Le fichier « {path.name} » ({spec.title}) : colonne(s) obligatoire(s) absente(s) : {described}. "
            f"Colonnes lues : {', '.join(map(str, raw.frame.columns)) or 'aucune'}.{hint}"
        )
    for line, column, value, reason in raw.cell_notes:
        log.add(path, line, renames.get(column, column), value, reason, ACTION_VALUE_FLAGGED)
    if frame.empty:
        notices.append(f"« {path.name} » ne contient que la ligne d'en-tête : aucune donnée.")
    lines = list(raw.lines)
    today_ts = pd.Timestamp(today or dt.date.today())
    bad_rows: set[int] = set()
    typed = {}
    margins = {c: [False] * len(frame) for c in spec.margin_columns}
    for col in spec.columns:
        if col.name not in frame.columns:
            typed[col.name] = _typed_series([None] * len(frame), col.kind)
            if col.margin:
                margins[col.name] = [True] * len(frame)
            continue
        categories = _category_map(col) if col.kind == "category" else None
        cache: dict[str, object] = {}
        values = []
        for pos, value in enumerate(frame[col.name].tolist()):
            text = "" if value is None else str(value)
            if text not in cache:
                try:
                    cache[text] = (_parse_value(col, text, categories), None)
                except ValueError as exc:
                    cache[text] = (None, str(exc))
            parsed, error = cache[text]
            if parsed is MARGIN:
                margins[col.name][pos] = True
                values.append(None)
                continue
            if error is None and parsed is not None and col.kind == "date":
                if parsed > today_ts:
                    error = f"date dans le futur (après le {today_ts:%d/%m/%Y})"
                elif parsed < MIN_DATE:
                    error = "date impossible (avant 1990)"
            if error is None and parsed is None and col.required:
                error = "valeur obligatoire absente"
            if error is not None:
                _record(log, path, lines[pos], col, text, error, bad_rows, pos)
                parsed = None
            values.append(parsed)
        typed[col.name] = _typed_series(values, col.kind)
        for text in cache:  # labels read as a kit value that does not mean exactly the same thing: said once per file
            approximation = APPROXIMATE_SYNONYMS.get(col.name, {}).get(parsing.normalize_header(text))
            if approximation:
                notices.append(f"« {path.name} », colonne « {col.title} » : « {text.strip()} » lu comme "
                               f"« {cache[text][0]} » ({approximation}).")
    table = pd.DataFrame(typed)
    if margins:
        table[MARGINS_COLUMN] = pd.Series([",".join(c for c in margins if margins[c][pos]) for pos in range(len(frame))],
                                          index=table.index, dtype="str")
    table = _validate_with_pandera(table, spec, path, lines, log, bad_rows)
    _check_sirets(table, spec, path, lines, log, bad_rows)
    if margins:
        notices.extend(_margin_notices(path, spec, frame, margins, bad_rows))
    table["fichier"] = path.name
    table["ligne"] = pd.array(lines, dtype="Int64")
    keep = [i for i in range(len(table)) if i not in bad_rows]
    return table.iloc[keep].reset_index(drop=True), notices, len(frame)


def _margin_notices(path: Path, spec: InputSpec, frame: pd.DataFrame, margins: dict[str, list[bool]],
                    bad_rows: set[int]) -> list[str]:
    """What a facilitator should know of a count table with margins: its margin rows (those kept), and the
    criteria it lacks."""
    notices = []
    absent = [spec.column(c).title for c in margins if c not in frame.columns]
    rows = sum(1 for pos in range(len(frame))
               if pos not in bad_rows and any(margins[c][pos] for c in margins if c in frame.columns))
    if rows:
        notices.append(f"« {path.name} » : {rows} ligne(s) de marge (« Ensemble », « Total » ou « ABC ») ; chaque "
                       "public est compté sur les lignes de ses propres critères, sans additionner les marges aux "
                       "cellules détaillées.")
    if absent and len(frame):
        notices.append(f"« {path.name} » : critère(s) absent(s) du fichier : {', '.join(absent)} ; les publics qui en "
                       "dépendent ne sont pas mesurables (ni comptés zéro).")
    return notices


def _record(log, path, line, col, value, reason, bad_rows, pos):
    if col.required or col.invalid_rejects_row:
        log.add(path, line, col.name, value, f"{col.title} : {reason}", ACTION_ROW_REJECTED)
        bad_rows.add(pos)
    else:
        log.add(path, line, col.name, value, f"{col.title} : {reason}", ACTION_VALUE_IGNORED)


def _validate_with_pandera(table, spec, path, lines, log, bad_rows):
    """Value checks (lists, ranges, SIRET shape) by the input's pandera schema, lazily."""
    schema = build_pandera_schema(spec)
    try:
        schema.validate(table, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        for _, case in cases.iterrows():
            index = case.get("index")
            column = case.get("column")
            if index is None or pd.isna(index) or column not in table.columns:
                continue
            pos = int(index)
            col = spec.column(column)
            reason = str(case.get("check"))
            reason = _check_message(schema, column, reason)
            if pd.isna(table.at[pos, column]):
                continue  # already recorded as missing / unreadable
            _record(log, path, lines[pos], col, case.get("failure_case"), reason, bad_rows, pos)
            if not col.required:
                table.at[pos, column] = pd.NA
    return table


def _check_message(schema: pa.DataFrameSchema, column: str, check_repr: str) -> str:
    for check in schema.columns[column].checks:
        if check.error and (check.error == check_repr or check.name in check_repr):
            return check.error
    return check_repr


def _check_sirets(table, spec, path, lines, log, bad_rows):
    """Luhn key of every SIRET: an invalid one is flagged, the row kept."""
    for col in spec.columns:
        if col.kind != "siret" or col.name not in table.columns:
            continue
        checked = [(pos, value) for pos, value in enumerate(table[col.name].tolist())
                   if pos not in bad_rows and value is not None and not pd.isna(value)]
        for (pos, value), problem in zip(checked, row_problems([value for _, value in checked])):
            if problem:
                log.add(path, lines[pos], col.name, value, f"{col.title} : {problem}", ACTION_VALUE_FLAGGED)


def _add_counts(table: pd.DataFrame, spec: InputSpec, log: RejectionLog) -> pd.DataFrame:
    """Rows of a count table that describe the same cell: one row, with the counts added (each merged row is logged)."""
    key = [c.name for c in spec.columns if c.name != spec.sum_column] + [c for c in [MARGINS_COLUMN] if c in table]
    grouped = table.groupby(key, dropna=False, sort=False)
    first = grouped.cumcount() == 0
    if first.all():
        return table
    first_line = grouped["ligne"].transform("first")
    for pos in first[~first].index:
        row = table.loc[pos]
        log.add(row["fichier"], row["ligne"], spec.sum_column, row[spec.sum_column],
                f"même cellule que la ligne {first_line.loc[pos]} (mêmes valeurs dans toutes les autres colonnes)",
                ACTION_COUNTS_ADDED)
    totals = grouped[spec.sum_column].transform(lambda v: v.sum(min_count=1))
    out = table[first].copy()
    out[spec.sum_column] = totals[first].astype(table[spec.sum_column].dtype)
    return out


def _drop_duplicates(table: pd.DataFrame, spec: InputSpec, log: RejectionLog) -> pd.DataFrame:
    if table.empty:
        return table
    if spec.sum_column:
        return _add_counts(table, spec, log)
    key = list(spec.duplicate_key) or [c.name for c in spec.columns]
    dup = table.duplicated(subset=key, keep="first")
    if not dup.any():
        return table
    first_line = table.drop_duplicates(subset=key, keep="first").set_index(key)["ligne"]
    for pos in dup[dup].index:
        row = table.loc[pos]
        ref = first_line.loc[tuple(row[k] for k in key)] if len(key) > 1 else first_line.loc[row[key[0]]]
        what = "ligne identique" if not spec.duplicate_key else f"même {', '.join(key)}"
        log.add(row["fichier"], row["ligne"], ", ".join(spec.duplicate_key), "",
                f"doublon : {what} à la ligne {ref}", ACTION_DUPLICATE_REMOVED)
    return table[~dup]


# --- input-specific loaders -------------------------------------------------------------------


def load_suivi_clauses(paths, *, salt: bytes | None = None, today=None) -> LoadResult:
    """Clause follow-up: typed, participant ids pseudonymised, segment derived from the CPV code."""
    result = load_table(paths, SUIVI_CLAUSES, today=today)
    table = result.table
    if salt is not None:
        table["participant_id"] = pseudonymize_series(table["participant_id"], salt)
        if not table.empty:
            result.notices.append("Identifiants des participants pseudonymisés (HMAC-SHA-256, sel propre au territoire).")
    result.table = _assign_segments(table, result.rejects)
    _check_date_order(result)
    return result


def _assign_segments(table: pd.DataFrame, log: RejectionLog) -> pd.DataFrame:
    """The purchase segment of each follow-up row: the one given when the reference knows it, else
    the one of its CPV code; rows with neither are rejected (each case logged, in row order)."""
    if table.empty:
        return table
    known = set(segment_labels())
    missing = pd.Series(None, index=table.index, dtype=object)
    given = table["segment"] if "segment" in table else missing
    given = given.map(lambda v: None if v is None or pd.isna(v) or not str(v).strip() else str(v).strip())
    cpv = table["code_cpv"] if "code_cpv" in table else missing
    by_code = {code: segment_for_cpv(code) for code in cpv.dropna().unique()}  # once per distinct code
    from_cpv = cpv.map(lambda v: None if v is None or pd.isna(v) else by_code[v])
    unknown = given.notna() & ~given.isin(known)
    segment = given.where(given.notna() & ~unknown, from_cpv)
    keep = segment.notna() & ~(unknown & from_cpv.isna())
    for index in table.index[unknown | ~keep]:  # the few rows to log, in row order
        row = table.loc[index]
        if unknown[index] and from_cpv[index] is not None:
            log.add(row["fichier"], row["ligne"], "segment", given[index],
                    f"Segment d'achat : segment inconnu du référentiel, remplacé par celui du code CPV ({from_cpv[index]})",
                    ACTION_VALUE_FLAGGED)
        elif unknown[index]:
            log.add(row["fichier"], row["ligne"], "segment", given[index],
                    "Segment d'achat : segment inconnu du référentiel et pas de code CPV", ACTION_ROW_REJECTED)
        else:
            log.add(row["fichier"], row["ligne"], "segment", "",
                    "Segment d'achat : ni segment ni code CPV, le segment ne peut pas être déterminé", ACTION_ROW_REJECTED)
    table = table.assign(segment=segment.astype(object).where(keep, None))
    return table[keep].reset_index(drop=True)


def _check_date_order(result: LoadResult) -> None:
    table = result.table
    if table.empty or "date_debut" not in table or "date_fin" not in table:
        return
    bad = table["date_fin"].notna() & table["date_debut"].notna() & (table["date_fin"] < table["date_debut"])
    for _, row in table[bad].iterrows():
        result.rejects.add(row["fichier"], row["ligne"], "date_fin", f"{row['date_fin']:%d/%m/%Y}",
                           "Date de fin : antérieure à la date de début", ACTION_ROW_REJECTED)
    result.table = table[~bad].reset_index(drop=True)


def load_demandeurs_emploi(paths, *, departements=None, today=None) -> LoadResult:
    """Job seekers; with ``departements`` (the territory's), the rows of other departments are left out, said
    (rows without a department are kept)."""
    result = load_table(paths, DEMANDEURS_EMPLOI, today=today, preprocess=_preprocess_departments)
    table = result.table
    if not table.empty and departements:
        wanted = [department_code(d) for d in departements]
        outside = table["departement"].notna() & ~table["departement"].isin(wanted)
        if outside.any():
            result.notices.append(
                f"{int(outside.sum())} ligne(s) de demandeurs d'emploi hors du territoire (départements "
                f"{', '.join(wanted)}) écartées : {int(table.loc[outside, 'effectif'].fillna(0).sum())} demandeur(s) "
                f"d'emploi ({', '.join(sorted(table.loc[outside, 'departement'].unique()))}).")
        table = table[~outside]
    if not table.empty:
        bad = table["code_rome"].notna() & ~table["code_rome"].astype(str).str.upper().str.match(_ROME)
        for _, row in table[bad].iterrows():
            result.rejects.add(row["fichier"], row["ligne"], "code_rome", row["code_rome"],
                               "Métier recherché (ROME) : code ROME invalide (une lettre et quatre chiffres attendus)")
        table = table[~bad].copy()
        table["code_rome"] = table["code_rome"].str.upper()
        result.table = table.reset_index(drop=True)
    return result


_BMO_COUNT_COLUMNS = {"met": "projets_recrutement", "xmet": "projets_difficiles", "smet": "projets_saisonniers"}


def _preprocess_bmo(frame: pd.DataFrame, raw) -> tuple[pd.DataFrame, list[str]]:
    """Official BMO layout: ``BE<yy>`` → bassin_emploi, ``*`` → secret, ``Dept`` padded."""
    notices = []
    frame = frame.copy()
    renames = {}
    for name in frame.columns:
        key = parsing.normalize_header(name)
        if re.fullmatch(r"be\d{2}", key):
            renames[name] = "bassin_emploi"
        elif re.fullmatch(r"nombe\d{2}|reg|nom_reg|nomdept|famille_met|lbl_fam_met|clpe", key):
            renames[name] = None
    frame = frame.drop(columns=[n for n, v in renames.items() if v is None])
    frame = frame.rename(columns={n: v for n, v in renames.items() if v})
    secret_count = 0
    for name in list(frame.columns):
        key = parsing.normalize_header(name)
        target = _BMO_COUNT_COLUMNS.get(key) or (key if key in _BMO_COUNT_COLUMNS.values() else None)
        if target:
            is_secret = frame[name].astype(str).str.strip() == "*"
            secret_count += int(is_secret.sum())
            frame[target + "_secret"] = is_secret.map({True: "oui", False: "non"})
            frame.loc[is_secret, name] = ""
    frame, _ = _preprocess_departments(frame, raw)
    if secret_count:
        notices.append(
            f"« {raw.path.name} » : {secret_count} effectif(s) sous secret statistique (« * ») : valeurs manquantes, "
            "ni 0 ni 1."
        )
    return frame, notices


def load_metiers_tension(paths, *, departements=None, bassins=None, today=None) -> LoadResult:
    """Trades in tension: the official BMO file as published, or the kit's simple layout."""
    result = load_table(paths, METIERS_TENSION, today=today, preprocess=_preprocess_bmo)
    table = result.table
    for target in _BMO_COUNT_COLUMNS.values():
        flag = target + "_secret"
        table[flag] = table[flag].fillna(False).astype(bool)
    if departements and "departement" in table:
        keep = table["departement"].isin([str(d).zfill(2) for d in departements])
        if bassins:
            keep = keep | table["bassin_emploi"].isin([str(b) for b in bassins])
        outside = int((~keep).sum())
        if outside:
            result.notices.append(f"{outside} ligne(s) BMO hors du territoire (départements {', '.join(departements)}) écartées.")
        table = table[keep]
    result.table = table.reset_index(drop=True)
    return result


def load_achats_prevus(paths, *, today=None) -> LoadResult:
    # Planned purchases start in the future: no "future date" check on them.
    far = dt.date(2100, 12, 31)
    result = load_table(paths, ACHATS_PREVUS, today=far)
    table = result.table
    if not table.empty:
        bad = table["montant_min_ht"].notna() & table["montant_max_ht"].notna() & (
            table["montant_min_ht"] > table["montant_max_ht"]
        )
        for _, row in table[bad.fillna(False)].iterrows():
            result.rejects.add(row["fichier"], row["ligne"], "montant_min_ht", row["montant_min_ht"],
                               "Montant minimum : supérieur au montant maximum de l'accord-cadre")
        result.table = table[~bad.fillna(False)].reset_index(drop=True)
    return result


def _preprocess_departments(frame: pd.DataFrame, raw) -> tuple[pd.DataFrame, list[str]]:
    """Department columns written as published everywhere (:func:`department_code`), before typing: « 1 » and
    « 01 » are then the same department for the duplicate and same-cell checks."""
    names = [n for n in frame.columns if parsing.normalize_header(n) in _DEPARTMENT_HEADERS]
    if names:
        frame = frame.copy()
        for name in names:
            frame[name] = frame[name].map(department_code)
    return frame, []


_DEPARTMENT_HEADERS = {"dept", "dep", "departement", "code_departement"}


def department_code(value: object) -> object:
    """A department code as published everywhere: two digits (« 1 » → « 01 »), Corsica « 2A »/« 2B »."""
    if value is None or pd.isna(value):
        return value
    text = str(value).strip()
    return text.zfill(2) if text.isdigit() else text.upper()


def load_structures_inclusives(paths, *, today=None) -> LoadResult:
    result = load_table(paths, STRUCTURES_INCLUSIVES, today=today)
    table = result.table
    if not table.empty:
        table["secteurs"] = table["secteurs"].map(split_sectors)
    if "departement" in table:
        codes = table["departement"].map(department_code)
        table["departement"] = codes if len(codes) else codes.astype("str")  # an empty map infers no type
    return result


# --- a whole territory --------------------------------------------------------------------------

SUPPORTED_SUFFIXES = TEXT_SUFFIXES | EXCEL_SUFFIXES | SPREADSHEET_SUFFIXES
INPUT_ORDER = ["suivi_clauses", "demandeurs_emploi", "metiers_tension", "decp", "achats_prevus", "structures_inclusives"]
INPUT_TITLES = {**{k: s.title for k, s in TABULAR_INPUTS.items()}, "decp": "Données de la commande publique (DECP)"}
REQUIRED_INPUTS = {"suivi_clauses", "demandeurs_emploi", "decp"}


@dataclass
class TerritoryData:
    """Every input of a territory, loaded, with its configuration."""

    config: TerritoryConfig
    inputs: dict[str, LoadResult] = field(default_factory=dict)

    def table(self, key: str) -> pd.DataFrame:
        return self.inputs[key].table

    def available(self, key: str) -> bool:
        return key in self.inputs and self.inputs[key].status == "chargée"

    def rejects(self) -> pd.DataFrame:
        frames = [r.rejects.to_frame() for r in self.inputs.values()]
        return pd.concat(frames, ignore_index=True) if frames else RejectionLog("").to_frame()


def find_input_files(config: TerritoryConfig, key: str) -> list[Path]:
    """Files of one input: those named in the configuration, else the default names."""
    base = config.directory
    named = config.fichiers.get(key)
    if named:
        names = named if isinstance(named, list) else [named]
        return [base / n for n in names]
    if key == "decp":
        folder = base / "decp"
        if folder.is_dir():
            return sorted(p for p in folder.iterdir() if p.suffix.lower() in {".json", ".csv", ".txt"})
        return sorted(base.glob("decp*.json")) + sorted(base.glob("decp*.csv"))
    spec = TABULAR_INPUTS[key]
    found = []
    for stem in spec.default_files:
        found.extend(sorted(p for p in base.glob(stem + ".*") if p.suffix.lower() in SUPPORTED_SUFFIXES))
        if found:
            break
    return found


#: A DECP file larger than this (bytes) is read through the national fast path.
NATIONAL_DECP_MIN_BYTES = 50_000_000


def _is_national_decp(path: Path) -> bool:
    """A national DECP export: large, or named ``decp_national*``, or a ``.parquet`` file."""
    if not path.is_file():
        return False
    name = path.name.lower()
    return (name.startswith("decp_national") or name.endswith(".parquet")
            or path.stat().st_size > NATIONAL_DECP_MIN_BYTES)


@functools.lru_cache(maxsize=None)
def _empty(key: str) -> pd.DataFrame:
    with tempfile.TemporaryDirectory(prefix="diversification-vide-") as tmp:
        if key == "decp":
            path = Path(tmp) / "decp.json"
            path.write_text('{"marches": []}', encoding="utf-8")
            return load_decp([path]).table
        path = Path(tmp) / f"{key}.csv"
        path.write_text(";".join(TABULAR_INPUTS[key].file_columns) + "\n", encoding="utf-8")
        if key == "suivi_clauses":  # pseudonymised like a loaded file (no row: the salt is never used)
            return load_suivi_clauses([path], salt=bytes(16)).table
        loader = {"demandeurs_emploi": load_demandeurs_emploi, "metiers_tension": load_metiers_tension,
                  "achats_prevus": load_achats_prevus, "structures_inclusives": load_structures_inclusives}[key]
        return loader([path]).table


def empty_table(key: str) -> pd.DataFrame:
    """The table of an input without any row, with the columns and types of a loaded file (its loader reads a
    file of the header only): what an absent or unreadable input gives the phases, which then show empty tables
    and say why, rather than fail on a missing column."""
    return _empty(key).copy()


def load_input(config: TerritoryConfig, key: str, *, salt: bytes | None = None, today=None) -> LoadResult:
    """Load one input of the territory; never raises for a user mistake."""
    files = find_input_files(config, key)
    title = INPUT_TITLES[key]
    if not files:
        needed = "obligatoire" if key in REQUIRED_INPUTS else "facultative"
        result = LoadResult(key, empty_table(key), RejectionLog(key), [], 0,
                            [f"Entrée {needed} « {title} » absente du dossier du territoire : les analyses qui en dépendent ne seront pas réalisées."],
                            status="absente")
        return result
    missing = [p for p in files if not p.exists()]
    try:
        if missing:
            raise InputError(f"Le fichier « {missing[0].name} » déclaré dans la configuration est introuvable.")
        if key == "suivi_clauses":
            return load_suivi_clauses(files, salt=salt, today=today)
        if key == "demandeurs_emploi":
            return load_demandeurs_emploi(files, departements=config.departements, today=today)
        if key == "metiers_tension":
            bmo = config.get("bmo") or {}
            return load_metiers_tension(files, departements=bmo.get("departements") or config.departements,
                                        bassins=bmo.get("bassins_emploi"), today=today)
        if key == "achats_prevus":
            return load_achats_prevus(files, today=today)
        if key == "structures_inclusives":
            return load_structures_inclusives(files, today=today)
        if key == "decp":
            national_files = [p for p in files if _is_national_decp(p)]
            if national_files and len(files) == 1:
                return load_territory_decp(files[0], config.buyer_sirets, decp_cache_dir(), today=today)

            result = load_decp(files, today=today)
            return result
    except InputError as exc:
        log = RejectionLog(key)
        log.add(files[0], None, "", "", str(exc), ACTION_FILE_REJECTED)
        return LoadResult(key, empty_table(key), log, files, 0, [str(exc)], status="illisible")
    raise KeyError(key)


def load_territory(territory_dir: Path, *, today=None, salt: bytes | None = None) -> TerritoryData:
    """Load the configuration and every input. A bad configuration raises :class:`ConfigError`."""
    config = load_config(territory_dir)
    if salt is None:
        salt = load_or_create_salt(config.directory)
    data = TerritoryData(config)
    for key in INPUT_ORDER:
        data.inputs[key] = load_input(config, key, salt=salt, today=today)
    return data


__all__ = [
    "ConfigError",
    "InputError",
    "LoadResult",
    "TerritoryData",
    "describe_lines",
    "load_achats_prevus",
    "load_demandeurs_emploi",
    "load_input",
    "load_metiers_tension",
    "load_structures_inclusives",
    "load_suivi_clauses",
    "load_table",
    "load_territory",
]
