"""A new, empty territory folder (``diversification nouveau``): the configuration with every key explained,
and the templates of the input files, so that a facilitator never starts from a sample territory whose
fictional files could stay in a real study.

The templates go to ``modeles/`` (never read by the study): a CSV per tabular input with the kit's column
names (``;``-separated, UTF-8 with BOM so that a spreadsheet opens the accents right) and the data dictionary
(``modeles/dictionnaire_des_donnees.md``). ``LISEZMOI.md`` says where each file goes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from diversification.inputs.config import IDENTIFIER_PATTERN, load_config
from diversification.inputs.errors import ConfigError
from diversification.inputs.parsing import strip_accents
from diversification.inputs.schemas import dictionary_markdown, READ_INPUTS, TABULAR_INPUTS

TEMPLATES_DIR = "modeles"
README_NAME = "LISEZMOI.md"


def identifier_from_name(nom: str) -> str:
    """« Communauté de communes du Bocage » → ``communaute-de-communes-du-bocage`` (at most 63 characters)."""
    ligatures = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})  # not decomposed by strip_accents
    slug = re.sub(r"[^a-z0-9]+", "-", strip_accents(nom.translate(ligatures)).lower()).strip("-")
    return slug[:63].rstrip("-")


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def config_text(nom: str, identifiant: str, annee: int, departements: list[str]) -> str:
    """``territoire.yaml`` of a new territory: the mandatory keys filled, the others empty or commented."""
    depts = ", ".join(_yaml_text(d) for d in departements)
    return f"""# Configuration du territoire « {nom} » (créée par « diversification nouveau »).
# Chaque clé est expliquée ; les lignes qui commencent par « # » sont des commentaires.
nom: {_yaml_text(nom)}
identifiant: {_yaml_text(identifiant)}  # minuscules, chiffres, tirets : nom du dossier des rapports
annee: {annee}  # année étudiée
description: ""
codes_insee: []  # codes INSEE des communes du territoire, ex. ["44109", "44190"]
departements: [{depts}]  # codes des départements, ex. ["44"] (filtre des demandeurs d'emploi et de l'enquête BMO)
# Acheteurs partenaires : SIRET (14 chiffres), nom, type parmi etat, collectivite, hopital, bailleur_social,
# et leurs seuils € HT par nature s'ils en ont. Exemple (à recopier sans le « # ») :
#  - siret: "21999900000017"
#    nom: "Commune d'Exemple-sur-Loire"
#    type: collectivite
#    seuils: {{travaux: 90000, services: 40000, fournitures: 40000}}
acheteurs: []
priorites_politiques: []  # segments favorisés par les politiques du territoire (identifiants de segments.csv)
secret_statistique: {{seuil: 5}}  # effectifs de 1 à seuil - 1 masqués dans toutes les sorties
# Noms des fichiers quand ils diffèrent des noms par défaut (voir {README_NAME}), ex. :
# fichiers: {{suivi_clauses: export_abc_clause_2025.xlsx, decp: ["decp/decp_2025.json"]}}
bmo: {{departements: [{depts}], bassins_emploi: []}}  # filtre de l'enquête BMO (codes de bassins d'emploi)
decisions_epinglees: {{}}  # décisions imposées, ex. {{segments_prioritaires: [restauration]}}
"""


def _expected_files(spec) -> str:
    """« `metiers_tension.csv` ou `bmo.xlsx`… »: every name the study looks for (``InputSpec.default_files``)."""
    if spec.key == "decp":
        return "dossier `decp/` (`.json` ou `.csv`)"
    names = " ou ".join(f"`{stem}.*`" for stem in spec.default_files)
    return f"{names} (`.csv`, `.xlsx`, `.xls` ou `.ods`)"


def readme_text(nom: str, folder: Path) -> str:
    """``LISEZMOI.md``: every file the study reads (``READ_INPUTS``), under which names, from which source."""
    rows = "\n".join(
        f"| {spec.title} | {_expected_files(spec)} | {'non' if spec.optional else 'oui'} | {spec.source} | "
        + (f"`{TEMPLATES_DIR}/{spec.default_files[0]}.csv` |" if spec.key in TABULAR_INPUTS else "formats officiels |")
        for spec in READ_INPUTS.values())
    return f"""# Territoire « {nom} »

Ce dossier a été créé par `diversification nouveau`. Pour faire l'étude :

1. Compléter `territoire.yaml` (acheteurs partenaires, communes, priorités) : chaque clé y est expliquée.
2. Déposer les fichiers du territoire dans ce dossier, tels qu'exportés ou téléchargés (CSV, `.xlsx`, `.xls`,
   `.ods`), sous les noms ci-dessous, ou déclarer d'autres noms sous la clé `fichiers:` de `territoire.yaml`.
   Les données de la commande publique (DECP, `.json` ou `.csv`) vont dans le dossier `decp/`.
3. Contrôler les fichiers : `diversification valider --territoire {folder}` ; corriger ce qui est signalé.
4. Lancer l'étude : `diversification etude --territoire {folder}`.

| entrée | fichier attendu | obligatoire | source | modèle (noms de colonnes du kit) |
|---|---|---|---|---|
{rows}

Un fichier est cherché sous chacun des noms de sa ligne, dans cet ordre (`*` : l'extension du fichier).

Les modèles de `{TEMPLATES_DIR}/` ne contiennent que la ligne d'en-tête : ils ne sont jamais lus par l'étude.
Un export dont les colonnes portent d'autres noms usuels est lu aussi (voir le dictionnaire
`{TEMPLATES_DIR}/dictionnaire_des_donnees.md`).
"""


def create_territory(folder: str | Path, nom: str, *, identifiant: str | None = None, annee: int,
                     departements: list[str] | None = None) -> list[Path]:
    """Write a new territory into ``folder`` (absent or empty); the files written. Raises :class:`ConfigError`
    (French) for a folder already in use or a name that gives no valid identifier."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"Le dossier « {folder} » existe déjà et n'est pas vide : choisissez un nouveau dossier "
                          "(rien n'a été écrit).")
    nom = nom.strip()
    if not nom:
        raise ConfigError("Le nom du territoire est vide.")
    identifiant = identifiant or identifier_from_name(nom)
    if not IDENTIFIER_PATTERN.match(identifiant):
        raise ConfigError(f"Identifiant « {identifiant} » refusé : seuls les minuscules non accentuées, les chiffres et "
                          "les tirets sont admis (il sert de nom de dossier des rapports) ; donnez-le avec --identifiant.")
    departements = [str(d).strip().zfill(2) for d in departements or []]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "decp").mkdir()
    templates = folder / TEMPLATES_DIR
    templates.mkdir()
    written = [folder / "territoire.yaml", folder / README_NAME]
    written[0].write_text(config_text(nom, identifiant, int(annee), departements), encoding="utf-8")
    written[1].write_text(readme_text(nom, folder), encoding="utf-8")
    for key, spec in TABULAR_INPUTS.items():
        path = templates / f"{spec.default_files[0]}.csv"
        path.write_text(";".join(spec.file_columns) + "\n", encoding="utf-8-sig")
        written.append(path)
    dictionary = templates / "dictionnaire_des_donnees.md"
    dictionary.write_text("# Dictionnaire des données\n\n" + dictionary_markdown(), encoding="utf-8")
    written.append(dictionary)
    load_config(folder)  # the configuration written must load (a kit bug otherwise)
    return written
