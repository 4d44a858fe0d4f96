"""Territory configuration (``territoire.yaml``), read with ``yaml.safe_load`` only.

A syntax error gives the line; an unknown key is refused with the closest
known key suggested (a typo must never silently drop a setting).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from diversification.inputs import hand_choices
from diversification.inputs.errors import ConfigError
from diversification.inputs.schemas import BUYER_TYPES, NATURES, TABULAR_INPUTS
from diversification.inputs.siret import normalize_siret, siret_problem

CONFIG_FILE_NAMES = ("territoire.yaml", "territoire.yml")
IDENTIFIER_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

TOP_LEVEL_KEYS = {
    "nom": "nom affiché du territoire",
    "identifiant": "identifiant court (minuscules, chiffres, tirets), utilisé dans le chemin des rapports",
    "annee": "année étudiée",
    "description": "texte libre",
    "codes_insee": "codes INSEE des communes du territoire",
    "departements": "codes des départements du territoire",
    "acheteurs": "acheteurs partenaires (siret, nom, type, seuils)",
    "seuils": "seuils € HT du territoire par nature (travaux, services, fournitures)",
    "priorites_politiques": "segments favorisés par les politiques du territoire",
    "secret_statistique": "règle de secret statistique (seuil)",
    "fichiers": "noms des fichiers d'entrée quand ils diffèrent des noms par défaut",
    "bmo": "filtre de l'enquête BMO (départements, bassins d'emploi)",
    "poids_publics": "poids des publics prioritaires",
    "poids_criteres": "poids des critères de priorisation des segments",
    "decisions_epinglees": "décisions imposées par le territoire (publics, segments, marchés ciblés)",
    "parametres": "paramètres du calcul des heures d'insertion (remplacent ceux du référentiel)",
    "choix_a_la_main": "choix retenus dans JupyterLab (poids des critères, volumes d'insertion), datés et commentés",
    "decp_nationale": "fichier DECP national (export tabulaire decp-processing) pour comparer le territoire à ses pairs",
    "pairs": "codes des départements comparables (remplacent la bande de taille du référentiel bandes_pairs)",
}
BUYER_KEYS = {"siret", "nom", "type", "seuils"}
FILE_KEYS = set(TABULAR_INPUTS) | {"decp"}
SECRET_KEYS = {"seuil"}
BMO_KEYS = {"departements", "bassins_emploi"}


def year_problem(annee: int) -> str | None:
    """French reason why ``annee`` cannot be the year studied (a run, or the check of its files), else ``None``."""
    if not 2000 <= annee <= 2100:
        return f"Année « {annee} » refusée : une année entre 2000 et 2100 est attendue."
    return None


@dataclass
class TerritoryConfig:
    """The parsed configuration of one territory."""

    path: Path
    nom: str
    identifiant: str
    annee: int
    raw: dict = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def acheteurs(self) -> list[dict]:
        return list(self.raw.get("acheteurs") or [])

    @property
    def departements(self) -> list[str]:
        return [str(d).zfill(2) for d in self.raw.get("departements") or []]

    @property
    def secret_threshold(self) -> int:
        return int((self.raw.get("secret_statistique") or {}).get("seuil", 5))

    @property
    def fichiers(self) -> dict:
        return dict(self.raw.get("fichiers") or {})

    @property
    def buyer_sirets(self) -> set[str]:
        return {normalize_siret(b["siret"]) for b in self.acheteurs}

    @property
    def national_decp(self) -> Path | None:
        """The national DECP file of ``decp_nationale`` (relative to the territory folder), or ``None``."""
        value = self.raw.get("decp_nationale")
        if not value:
            return None
        given = Path(str(value)).expanduser()
        return given if given.is_absolute() else self.path.parent / given

    @property
    def peers(self) -> list[str]:
        """The departments of ``pairs`` (codes as text), empty when the size band chooses them."""
        return [str(code).strip().upper() for code in (self.raw.get("pairs") or [])]

    def get(self, key: str, default=None):
        return self.raw.get(key, default)


def find_config_file(territory_dir: Path) -> Path:
    territory_dir = Path(territory_dir)
    if territory_dir.is_file():
        return territory_dir
    if not territory_dir.is_dir():
        raise ConfigError(f"Le dossier de territoire « {territory_dir} » est introuvable.")
    for name in CONFIG_FILE_NAMES:
        if (territory_dir / name).is_file():
            return territory_dir / name
    raise ConfigError(
        f"Le dossier « {territory_dir} » ne contient pas de fichier de configuration « territoire.yaml »."
    )


def load_config(territory_dir: Path) -> TerritoryConfig:
    """Read and check ``territoire.yaml``. Raises :class:`ConfigError` with a French message."""
    path = find_config_file(Path(territory_dir))
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", ligne {mark.line + 1}, colonne {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path.name}{where} : erreur de syntaxe YAML ({problem}).") from None
    if data is None:
        raise ConfigError(f"{path.name} : le fichier de configuration est vide.")
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name} : la configuration doit être une liste de clés « clé: valeur ».")
    _check_keys(path, data, TOP_LEVEL_KEYS, "")
    for key in ("nom", "identifiant", "annee"):
        if key not in data or data[key] in (None, ""):
            raise ConfigError(f"{path.name} : clé obligatoire « {key} » absente ({TOP_LEVEL_KEYS[key]}).")
    identifiant = str(data["identifiant"])
    if not IDENTIFIER_PATTERN.match(identifiant):
        raise ConfigError(
            f"{path.name} : identifiant « {identifiant} » refusé : seuls les minuscules non accentuées, "
            "les chiffres et les tirets sont admis (il sert de nom de dossier des rapports)."
        )
    try:
        annee = int(data["annee"])
    except (TypeError, ValueError):
        raise ConfigError(f"{path.name} : « annee » doit être une année (ex. 2025), lu « {data['annee']} ».") from None
    if not 2000 <= annee <= 2100:
        raise ConfigError(f"{path.name} : année « {annee} » hors de la plage admise (2000-2100).")
    _check_buyers(path, data.get("acheteurs") or [])
    _check_thresholds(path, data.get("seuils"), "seuils")
    if data.get("fichiers") is not None:
        if not isinstance(data["fichiers"], dict):
            raise ConfigError(f"{path.name} : « fichiers » doit associer une entrée à un nom de fichier.")
        _check_keys(path, data["fichiers"], dict.fromkeys(FILE_KEYS, ""), "fichiers.")
    if data.get("secret_statistique") is not None:
        _check_keys(path, data["secret_statistique"], dict.fromkeys(SECRET_KEYS, ""), "secret_statistique.")
        seuil = data["secret_statistique"].get("seuil", 5)
        if not isinstance(seuil, int) or isinstance(seuil, bool) or seuil < 1:
            raise ConfigError(f"{path.name} : « secret_statistique.seuil » doit être un entier positif, lu « {seuil} ».")
    if data.get("bmo") is not None:
        _check_keys(path, data["bmo"], dict.fromkeys(BMO_KEYS, ""), "bmo.")
    hand_choices.check(data.get(hand_choices.KEY))
    if data.get("pairs") is not None and not (isinstance(data["pairs"], list)
                                              and all(isinstance(c, (str, int)) for c in data["pairs"])):
        raise ConfigError(f"{path.name} : « pairs » doit être une liste de codes de départements, "
                          f"par exemple [\"35\", \"44\"], lu « {data['pairs']} ».")
    if data.get("decp_nationale") is not None and not isinstance(data["decp_nationale"], str):
        raise ConfigError(f"{path.name} : « decp_nationale » doit être un chemin de fichier, lu « {data['decp_nationale']} ».")
    return TerritoryConfig(path=path, nom=str(data["nom"]), identifiant=identifiant, annee=annee, raw=data)


def _check_keys(path: Path, data: object, known: dict | set, prefix: str) -> None:
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name} : « {prefix.rstrip('.')} » doit être une liste de clés « clé: valeur ».")
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
            hint = f" Vouliez-vous dire « {prefix}{close[0]} » ?" if close else ""
            raise ConfigError(
                f"{path.name} : clé inconnue « {prefix}{key} ».{hint} Clés admises : {', '.join(sorted(known))}."
            )


def _check_thresholds(path: Path, seuils: object, where: str) -> None:
    if seuils is None:
        return
    _check_keys(path, seuils, dict.fromkeys(NATURES, ""), f"{where}.")
    for nature, value in seuils.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{path.name} : seuil « {where}.{nature} » invalide (« {value} ») : montant € HT positif attendu.")


def _check_buyers(path: Path, buyers: object) -> None:
    if not isinstance(buyers, list):
        raise ConfigError(f"{path.name} : « acheteurs » doit être une liste.")
    for i, buyer in enumerate(buyers, start=1):
        _check_keys(path, buyer, dict.fromkeys(BUYER_KEYS, ""), f"acheteurs[{i}].")
        for key in ("siret", "nom", "type"):
            if not buyer.get(key):
                raise ConfigError(f"{path.name} : acheteur n° {i} : clé « {key} » absente.")
        problem = siret_problem(buyer["siret"])
        if problem:
            raise ConfigError(f"{path.name} : acheteur n° {i} (« {buyer['nom']} ») : {problem} (« {buyer['siret']} »).")
        if buyer["type"] not in BUYER_TYPES:
            raise ConfigError(
                f"{path.name} : acheteur n° {i} (« {buyer['nom']} ») : type « {buyer['type']} » inconnu "
                f"(admis : {', '.join(BUYER_TYPES)})."
            )
        _check_thresholds(path, buyer.get("seuils"), f"acheteurs[{i}].seuils")
