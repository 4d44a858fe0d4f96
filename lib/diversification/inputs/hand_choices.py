"""Choices made by hand in JupyterLab (« Retenir » buttons of notebooks 04 and 08), pinned in ``territoire.yaml``.

They live under the key ``choix_a_la_main`` of the territory configuration, each with its date and a comment::

    choix_a_la_main:
      poids_criteres:                      # notebook 04, « Retenir ces pondérations »
        date: "2026-12-07"
        commentaire: "comité de pilotage du 7 décembre"
        valeurs: {volume_achats: 2.0, priorite_politique: 1.5, ...}
      volumes_insertion:                   # notebook 08, « Retenir ce volume », one entry per contract
        A-2026-001:
          date: "2026-12-07"
          commentaire: "ETP connus après le sourcing"
          valeurs: {etp: 2.0}              # inputs of the calculator that differ from the contract's defaults

Like the pins of ``decisions_epinglees``, a hand choice overrides what the kit computes, in every later phase and
every later ``diversification etude``, and the run says so. The button rewrites only the block between the two
marker comments below (appended at the end of the file the first time), so the rest of the file, its comments
included, is kept as written. This module reads and checks the choices and builds the new text of the file; the
writing itself goes through the publishing gate (:func:`diversification.publish.gate.write_territory_file`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import yaml

from diversification.inputs.errors import ConfigError

KEY = "choix_a_la_main"
WEIGHTS = "poids_criteres"
VOLUMES = "volumes_insertion"
SECTIONS = (WEIGHTS, VOLUMES)
ENTRY_KEYS = {"date", "commentaire", "valeurs"}
BEGIN = "# --- début des choix retenus dans JupyterLab (bouton « Retenir » des notebooks 04 et 08) ---"
END = "# --- fin des choix retenus dans JupyterLab ---"
#: French origin of a hand choice, shown in the notebooks and the report.
HAND_ORIGIN = "choisi à la main"


@dataclass(frozen=True)
class HandChoice:
    """One choice made by hand: its values, the day it was made and the comment typed with it."""

    date: str
    commentaire: str
    valeurs: dict = field(default_factory=dict)

    def as_yaml(self) -> dict:
        return {"date": self.date, "commentaire": self.commentaire, "valeurs": dict(self.valeurs)}

    def sentence(self) -> str:
        """« choisi à la main le 2026-12-07 (comité de pilotage) »."""
        comment = f" ({self.commentaire})" if self.commentaire else ""
        return f"{HAND_ORIGIN} le {self.date}{comment}"


def _entry(where: str, data: object) -> HandChoice:
    if not isinstance(data, dict):
        raise ConfigError(f"territoire.yaml : « {where} » doit avoir les clés date, commentaire et valeurs.")
    unknown = sorted(set(map(str, data)) - ENTRY_KEYS)
    if unknown:
        raise ConfigError(f"territoire.yaml : « {where} » : clé(s) inconnue(s) {', '.join(unknown)} "
                          f"(admises : {', '.join(sorted(ENTRY_KEYS))}).")
    values = data.get("valeurs")
    if not isinstance(values, dict) or not values:
        raise ConfigError(f"territoire.yaml : « {where}.valeurs » doit associer un nom à une valeur.")
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"territoire.yaml : « {where}.valeurs.{name} » : valeur « {value} » refusée "
                              "(nombre ou texte attendu).")
    return HandChoice(date=str(data.get("date") or ""), commentaire=str(data.get("commentaire") or ""),
                      valeurs=dict(values))


def check(data: object) -> None:
    """Check the ``choix_a_la_main`` block of a configuration; French :class:`ConfigError` on a bad shape."""
    if data is None:
        return
    if not isinstance(data, dict):
        raise ConfigError(f"territoire.yaml : « {KEY} » doit avoir les clés {' ou '.join(SECTIONS)}.")
    unknown = sorted(set(map(str, data)) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"territoire.yaml : « {KEY} » : clé(s) inconnue(s) {', '.join(unknown)} "
                          f"(admises : {', '.join(SECTIONS)}).")
    if data.get(WEIGHTS) is not None:
        _entry(f"{KEY}.{WEIGHTS}", data[WEIGHTS])
    volumes = data.get(VOLUMES)
    if volumes is not None:
        if not isinstance(volumes, dict):
            raise ConfigError(f"territoire.yaml : « {KEY}.{VOLUMES} » doit associer un identifiant d'achat à un choix.")
        for contract, entry in volumes.items():
            _entry(f"{KEY}.{VOLUMES}.{contract}", entry)


def _block(config) -> dict:
    return dict(config.get(KEY) or {})


def weights_choice(config) -> HandChoice | None:
    """The criteria weights chosen by hand in notebook 04, or ``None``."""
    data = _block(config).get(WEIGHTS)
    return None if data is None else _entry(f"{KEY}.{WEIGHTS}", data)


def volume_choices(config) -> dict[str, HandChoice]:
    """The calculator inputs chosen by hand in notebook 08, by contract id."""
    return {str(k): _entry(f"{KEY}.{VOLUMES}.{k}", v) for k, v in (_block(config).get(VOLUMES) or {}).items()}


def today() -> str:
    return dt.date.today().isoformat()


def with_choice(config, section: str, choice: HandChoice, contract: str | None = None) -> dict:
    """The ``choix_a_la_main`` block of ``config`` with ``choice`` set (for ``contract`` in ``volumes_insertion``)."""
    block = _block(config)
    if section == WEIGHTS:
        block[WEIGHTS] = choice.as_yaml()
    elif section == VOLUMES:
        if not contract:
            raise ValueError("a choice of insertion volume needs the contract id")
        block[VOLUMES] = {**dict(block.get(VOLUMES) or {}), str(contract): choice.as_yaml()}
    else:
        raise ValueError(f"unknown section {section!r}")
    check(block)
    return block


def block_text(block: dict) -> str:
    """The marked YAML block of the hand choices (the only part of territoire.yaml the buttons rewrite)."""
    body = yaml.safe_dump({KEY: block}, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return f"{BEGIN}\n{body}{END}\n"


_MARKED = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
_TOP_KEY = re.compile(rf"^{KEY}\s*:", re.M)


def file_with_block(text: str, block: dict, *, file_name: str = "territoire.yaml") -> str:
    """``text`` of territoire.yaml with the marked block replaced (or appended); the rest is kept as written."""
    new = block_text(block)
    if _MARKED.search(text):
        return _MARKED.sub(lambda _m: new, text, count=1)
    if _TOP_KEY.search(text):
        raise ConfigError(f"{file_name} : la clé « {KEY} » est écrite hors du bloc réservé aux boutons « Retenir » "
                          f"(lignes « {BEGIN} » … « {END} ») : déplacez-la dans ce bloc ou supprimez-la.")
    return text + ("" if text.endswith("\n") or not text else "\n") + new
