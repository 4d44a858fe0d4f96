"""Reference tables shipped with the kit (``data_samples/referentiels/``).

Every table is a UTF-8 CSV file that describes itself: ``dictionnaire.csv``
gives each field its type, French title and description, ``versions.csv`` the
version of each table, and every row carries a ``statut`` (``source``,
``hypothèse`` or ``à vérifier``) and a ``source``. Values that are estimates of
the kit are listed, with their reasoning, in ``HYPOTHESES.md``.

Nothing is read at import time: tables are read on first use and cached.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from diversification.inputs import paths
from diversification.inputs.schemas import DEMANDEURS_EMPLOI, SUIVI_CLAUSES

#: Metadata tables: they describe the others.
DICTIONARY_TABLE = "dictionnaire"
VERSIONS_TABLE = "versions"
METADATA_TABLES = (DICTIONARY_TABLE, VERSIONS_TABLE)

#: Entries of ``dictionnaire.csv`` that describe no CSV table: the sheets of the workbooks the kit writes
#: (``champ``: the published table or sheet key, ``titre``: the sheet name, readable as is).
SHEET_NAMES_TABLE = "feuilles_excel"
#: The columns of the tables the notebooks display (``champ``: the column id, ``titre``: the label the learner
#: reads, when the report does not already name it); read by :func:`column_labels`.
SHOWN_COLUMNS_TABLE = "colonnes_affichees"
DESCRIBED_ONLY = (SHEET_NAMES_TABLE, SHOWN_COLUMNS_TABLE)
#: Excel's limits on a sheet name.
MAX_SHEET_NAME = 31
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

#: Allowed values of the ``statut`` column.
STATUSES = ("source", "hypothèse", "à vérifier")

#: Every CPV 2008 division: each one must have a catch-all prefix in ``cpv_segments``.
CPV_DIVISIONS = (
    "03", "09", "14", "15", "16", "18", "19", "22", "24", "30", "31", "32", "33", "34", "35",
    "37", "38", "39", "41", "42", "43", "44", "45", "48", "50", "51", "55", "60", "63", "64",
    "65", "66", "70", "71", "72", "73", "75", "76", "77", "79", "80", "85", "90", "92", "98",
)

#: Buyer types an argument-sheet reference may target (``tous`` = every buyer).
BUYER_TYPES = ("etat", "collectivite", "hopital", "bailleur_social", "tous")
ACTOR_TYPES = ("fédération", "organisme de formation", "partenaire emploi")
NATURES = ("travaux", "services", "fournitures")

#: Field types of ``dictionnaire.csv`` and the dtype each one loads as.
FIELD_TYPES = ("texte", "nombre", "entier", "booléen")

ROME_PATTERN = re.compile(r"^[A-N]\d{4}$")
#: Occupation nomenclatures of the BMO surveys (``fap_rome.csv``): FAP 2009 until the 2023 survey, FAP 2021 since.
FAP_NOMENCLATURES = ("FAP 2009", "FAP 2021")
_TRUE = {"true", "vrai", "oui", "1"}
_FALSE = {"false", "faux", "non", "0"}

#: Key columns that must be unique in each table.
_UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "segments": ("segment_id",),
    "cpv_segments": ("prefixe_cpv",),
    "publics": ("public_id",),
    "references_juridiques": ("ref_id",),
    "seuils": ("nature",),
    "parametres": ("parametre",),
    "fap_rome": ("nomenclature", "code_fap", "code_rome"),
    "rome": ("code_rome",),
    "secteurs_structures": ("secteur",),
    "federations_formation": ("segment_id", "nom"),
    "criteres_priorisation": ("critere_id",),
    "references_nationales": ("ref_id",),
    "regles_axes_progres": ("regle_id",),
    "regles_recommandation": ("regle_id",),
    "adaptations_segments": ("adaptation_id",),
    "parametres_heures": ("parametre",),
    "plan_actions_partenariat": ("etape_id",),
    "tables_publiees": ("table",),
    "formation": ("type", "phase", "ordre"),
    "bandes_pairs": ("bande_id",),
    VERSIONS_TABLE: ("table",),
    DICTIONARY_TABLE: ("table", "champ"),
}


def _directory(directory: Path | None) -> Path:
    return Path(directory) if directory is not None else paths.REFERENTIELS_DIR


def list_referentiels(directory: Path | None = None) -> list[str]:
    """Names of the reference tables (CSV stems), metadata tables excluded, sorted."""
    folder = _directory(directory)
    return sorted(p.stem for p in folder.glob("*.csv") if p.stem not in METADATA_TABLES)


@functools.lru_cache(maxsize=64)
def _read_raw(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"référentiel introuvable : {path.name} (dossier {path.parent})")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _field_types(folder: Path) -> dict[tuple[str, str], str]:
    dictionary = _read_raw(folder / f"{DICTIONARY_TABLE}.csv")
    return {(r.table, r.champ): r.type for r in dictionary.itertuples(index=False)}


def _to_bool(value: str, table: str, column: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"référentiel {table} : valeur « {value} » de la colonne {column} : true ou false attendu")


@functools.lru_cache(maxsize=64)
def _load_typed(folder: Path, name: str) -> pd.DataFrame:
    frame = _read_raw(folder / f"{name}.csv").copy()
    if name == DICTIONARY_TABLE:
        return frame
    types = _field_types(folder)
    for column in frame.columns:
        kind = types.get((name, column), "texte")
        if kind == "booléen":
            frame[column] = [_to_bool(v, name, column) for v in frame[column]]
            frame[column] = frame[column].astype(bool)
        elif kind == "entier":
            try:
                frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype("Int64")
            except (ValueError, TypeError):
                raise ValueError(f"référentiel {name} : colonne {column} : nombre entier attendu") from None
        elif kind == "nombre":
            try:
                frame[column] = pd.to_numeric(frame[column].replace("", None), errors="raise").astype(float)
            except (ValueError, TypeError):
                raise ValueError(f"référentiel {name} : colonne {column} : nombre attendu") from None
    return frame


def load_referentiel(name: str, directory: Path | None = None) -> pd.DataFrame:
    """One reference table, typed from ``dictionnaire.csv``.

    Booleans become ``bool``, numbers ``float``, integers ``Int64``, everything
    else text (empty text stays ``""``). The table is cached; a new copy is returned each time so
    the caller may modify it freely.
    """
    folder = _directory(directory).resolve()
    return _load_typed(folder, name).copy()


@functools.lru_cache(maxsize=256)
def _entries(folder: Path, table: str | None) -> tuple[tuple[str, str], ...]:
    """The (champ, titre) entries of ``table`` in ``dictionnaire.csv`` (read once a process: a study asks for
    labels about sixty times)."""
    dictionary = _load_typed(folder, DICTIONARY_TABLE)
    rows = dictionary[dictionary["table"] == table]
    return tuple(zip(rows["champ"], rows["titre"]))


def sheet_names(directory: Path | None = None) -> dict[str, str]:
    """Sheet key (published table name, ``acheteur``...) → short French sheet name, from ``dictionnaire.csv``."""
    return dict(_entries(_directory(directory).resolve(), SHEET_NAMES_TABLE))


def column_labels(table: str | None = None, directory: Path | None = None) -> dict[str, str]:
    """Column id → French label, from ``dictionnaire.csv``: the entries of the reference table ``table`` (when given)
    over those of :data:`SHOWN_COLUMNS_TABLE`."""
    folder = _directory(directory).resolve()
    return {**dict(_entries(folder, SHOWN_COLUMNS_TABLE)), **dict(_entries(folder, table))}


def sheet_name(key: str, directory: Path | None = None, **values) -> str:
    """The sheet name of ``key`` (``values`` fill its placeholders, e.g. ``rang=2``); French error when the
    dictionary has none."""
    names = sheet_names(directory)
    if key not in names:
        raise KeyError(f"dictionnaire.csv : aucun nom de feuille Excel pour « {key} » (table {SHEET_NAMES_TABLE})")
    return names[key].format(**values)


def _sheet_name_problems(dictionary: pd.DataFrame) -> list[str]:
    problems, seen = [], {}
    rows = dictionary[dictionary["table"] == SHEET_NAMES_TABLE]
    for key, name in zip(rows["champ"], rows["titre"]):
        longest = name.replace("{rang}", "999")
        if len(longest) > MAX_SHEET_NAME:
            problems.append(f"dictionnaire.csv : feuille « {name} » ({key}) : plus de {MAX_SHEET_NAME} caractères")
        if SHEET_FORBIDDEN.search(name) or name != name.strip() or name.startswith("'") or not name:
            problems.append(f"dictionnaire.csv : feuille « {name} » ({key}) : caractère refusé par Excel")
        if name.lower() in seen:
            problems.append(f"dictionnaire.csv : feuille « {name} » en double ({seen[name.lower()]} et {key})")
        seen[name.lower()] = key
    return problems


def split_list(value: str) -> list[str]:
    """``"a|b| c"`` → ``["a", "b", "c"]`` (empty items dropped)."""
    return [item.strip() for item in str(value).split("|") if item.strip()]


# --- consistency checks -------------------------------------------------------------

def _empty_frame(spec) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series([], dtype=object) for c in spec.columns})


def _check_rule(rule: str, spec) -> str | None:
    """``None`` if the query rule evaluates on an empty table of ``spec``'s columns."""
    if not rule.strip():
        return "règle vide"
    try:
        _empty_frame(spec).query(rule)
    except Exception as exc:  # noqa: BLE001 - any failure means an unusable rule
        return f"règle illisible ({type(exc).__name__})"
    return None


def check_referentiels(directory: Path | None = None) -> list[str]:
    """French list of the problems found in the reference tables (empty when all is well)."""
    folder = _directory(directory).resolve()
    problems: list[str] = []
    names = list_referentiels(folder)
    tables: dict[str, pd.DataFrame] = {}
    for name in [*names, *METADATA_TABLES]:
        try:
            tables[name] = load_referentiel(name, folder)
        except (ValueError, FileNotFoundError) as exc:
            problems.append(str(exc))
    if problems:
        return problems

    dictionary = tables[DICTIONARY_TABLE]
    versions = tables[VERSIONS_TABLE]
    for name, frame in tables.items():
        described = set(dictionary.loc[dictionary["table"] == name, "champ"])
        for column in frame.columns:
            if column not in described:
                problems.append(f"{name} : colonne « {column} » absente du dictionnaire")
        for column in sorted(described - set(frame.columns)):
            problems.append(f"{name} : colonne « {column} » décrite dans le dictionnaire mais absente de la table")
        if name not in set(versions["table"]):
            problems.append(f"{name} : version absente de versions.csv")
        key = _UNIQUE_KEYS.get(name)
        if key and set(key) <= set(frame.columns):
            dup = frame[frame.duplicated(list(key), keep=False)]
            for values in dup[list(key)].drop_duplicates().itertuples(index=False):
                problems.append(f"{name} : doublon de {' + '.join(key)} : {' / '.join(map(str, values))}")
        if name not in METADATA_TABLES:
            if "statut" not in frame.columns or "source" not in frame.columns:
                problems.append(f"{name} : colonnes statut et source obligatoires")
            else:
                for i, row in frame.iterrows():
                    if row["statut"] not in STATUSES:
                        problems.append(f"{name} ligne {i + 2} : statut « {row['statut']} » hors liste ({', '.join(STATUSES)})")
                    if not str(row["source"]).strip():
                        problems.append(f"{name} ligne {i + 2} : source manquante")
    for table in sorted(set(versions["table"]) - set(tables)):
        problems.append(f"versions.csv : table « {table} » inconnue")
    problems.extend(_sheet_name_problems(dictionary))
    for table in sorted(set(dictionary["table"]) - set(tables) - set(DESCRIBED_ONLY)):
        problems.append(f"dictionnaire.csv : table « {table} » inconnue")
    for i, value in enumerate(dictionary["type"]):
        if value not in FIELD_TYPES:
            problems.append(f"dictionnaire.csv ligne {i + 2} : type « {value} » inconnu")

    problems.extend(_check_contents(tables))
    return problems


def _check_contents(tables: dict[str, pd.DataFrame]) -> list[str]:
    problems: list[str] = []
    required = ("segments", "cpv_segments", "publics")
    missing = [t for t in required if t not in tables]
    if missing:
        return [f"table obligatoire absente : {t}" for t in missing]
    segments = tables["segments"]
    segment_ids = set(segments["segment_id"])
    public_ids = set(tables["publics"]["public_id"])

    for name, frame in tables.items():
        if name != "segments" and "segment_id" in frame.columns:
            for i, value in enumerate(frame["segment_id"]):
                if value not in segment_ids:
                    problems.append(f"{name} ligne {i + 2} : segment inconnu « {value} »")

    for row in segments.itertuples(index=False):
        sid = row.segment_id
        codes = split_list(row.codes_rome)
        if not codes:
            problems.append(f"segments : {sid} : aucun code ROME")
        for code in codes:
            if not ROME_PATTERN.match(code):
                problems.append(f"segments : {sid} : code ROME invalide « {code} »")
        low, high = row.part_main_oeuvre_min, row.part_main_oeuvre_max
        if not (0.0 <= low <= high <= 1.0):
            problems.append(f"segments : {sid} : parts de main-d'œuvre incohérentes ({low} – {high})")
        for public in split_list(row.publics):
            if public not in public_ids:
                problems.append(f"segments : {sid} : public inconnu « {public} »")
        if row.nature not in NATURES:
            problems.append(f"segments : {sid} : nature « {row.nature} » hors liste")

    cpv = tables["cpv_segments"]
    for i, prefix in enumerate(cpv["prefixe_cpv"]):
        if not re.fullmatch(r"\d{2,8}", prefix):
            problems.append(f"cpv_segments ligne {i + 2} : préfixe « {prefix} » : 2 à 8 chiffres attendus")
    prefixes = set(cpv["prefixe_cpv"])
    for division in CPV_DIVISIONS:
        if division not in prefixes:
            problems.append(f"cpv_segments : division CPV {division} sans correspondance")
    for sid in sorted(segment_ids - set(cpv["segment_id"])):
        problems.append(f"cpv_segments : segment {sid} sans préfixe CPV")

    for row in tables["publics"].itertuples(index=False):
        for column, spec in (("regle_suivi", SUIVI_CLAUSES), ("regle_demandeurs", DEMANDEURS_EMPLOI)):
            issue = _check_rule(getattr(row, column), spec)
            if issue:
                problems.append(f"publics : {row.public_id} : {column} : {issue}")

    for name in ("rome", "fap_rome"):
        for i, code in enumerate(tables[name]["code_rome"] if name in tables else []):
            if not ROME_PATTERN.match(code):
                problems.append(f"{name} ligne {i + 2} : code ROME invalide « {code} »")
    if "rome" in tables:
        known = set(tables["rome"]["code_rome"])
        for name in ("fap_rome", "segments"):
            if name in tables:
                codes = (tables[name]["code_rome"] if name == "fap_rome"
                         else [c for v in tables[name]["codes_rome"] for c in split_list(v)])
                for code in sorted(set(codes) - known):
                    problems.append(f"{name} : code ROME « {code} » absent de la table rome")
    if "fap_rome" in tables:
        for i, code in enumerate(tables["fap_rome"]["code_fap"]):
            if not re.fullmatch(r"[A-Z]\d[A-Z]\d{2}", code):
                problems.append(f"fap_rome ligne {i + 2} : code FAP invalide « {code} »")
        for i, value in enumerate(tables["fap_rome"]["nomenclature"]):
            if value not in FAP_NOMENCLATURES:
                problems.append(f"fap_rome ligne {i + 2} : nomenclature « {value} » hors liste ("
                                + ", ".join(FAP_NOMENCLATURES) + ")")
    if "references_juridiques" in tables:
        for row in tables["references_juridiques"].itertuples(index=False):
            for buyer in split_list(row.type_acheteur):
                if buyer not in BUYER_TYPES:
                    problems.append(f"references_juridiques : {row.ref_id} : type d'acheteur « {buyer} » hors liste")
    if "seuils" in tables:
        seuils = tables["seuils"]
        for nature in NATURES:
            if nature not in set(seuils["nature"]):
                problems.append(f"seuils : nature {nature} sans seuil")
        for row in seuils.itertuples(index=False):
            if not row.seuil_ht > 0:
                problems.append(f"seuils : {row.nature} : seuil non positif")
    if "federations_formation" in tables:
        for i, actor in enumerate(tables["federations_formation"]["type_acteur"]):
            if actor not in ACTOR_TYPES:
                problems.append(f"federations_formation ligne {i + 2} : type d'acteur « {actor} » hors liste")
    return problems
