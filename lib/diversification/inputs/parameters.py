"""The parameters of the phase notebooks, declared once: name, type, default, French description.

:data:`NOTEBOOK_PARAMETERS` is the single declaration. The notebook builders
(``notebooks/outils/build_notebook_NN.py``) write each notebook's ``parameters``
cell from it (:func:`cell_source`: ``annee: int = 2025  # année étudiée``), and
the runner validates what a study passes to a notebook against it before any
cell runs (:func:`validate`): an unknown parameter, or a value of the wrong type,
is refused with a French message. ``tests/test_parameters.py`` checks that the
``parameters`` cell of every committed notebook is the one declared here.

Only the Python types ``str``, ``int`` and ``float`` are used: papermill injects
the values as Python literals, and a facilitator types them on the command line
(``diversification etude --parametre top_n=6``, read by :func:`parse_assignment`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from diversification.inputs import paths
from diversification.inputs.errors import KitError

#: French name of each type, for the messages.
TYPE_NAMES = {str: "un texte", int: "un nombre entier", float: "un nombre"}


class ParameterError(KitError):
    """A parameter unknown to the notebooks, or of the wrong type (French message)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a phase notebook."""

    name: str
    type: type
    default: object
    description: str
    #: Smallest value admitted (numbers only).
    minimum: float | None = None

    def check(self, value: object, where: str = "") -> object:
        """``value`` as the notebook receives it (an ``int`` is admitted for a ``float``); raises
        :class:`ParameterError` for a value of another type or under the minimum."""
        place = f" {where}" if where else ""
        admitted = (int, float) if self.type is float else (self.type,)
        if isinstance(value, bool) or not isinstance(value, admitted):
            raise ParameterError(
                f"Paramètre « {self.name} »{place} : {TYPE_NAMES[self.type]} est attendu, reçu {_shown(value)} "
                f"({_type_name(value)}) — {self.name} : {self.description}.")
        if self.type is float:
            value = float(value)
        if self.minimum is not None and value < self.minimum:
            raise ParameterError(f"Paramètre « {self.name} »{place} : {_fr(value)} refusé, au moins "
                                 f"{_fr(self.minimum)} est attendu — {self.name} : {self.description}.")
        return value

    def parse(self, text: str) -> object:
        """The value of ``text`` typed on the command line (« 6 », « 0,9 », « 0.9 »), checked."""
        raw = text.strip()
        if self.type is str:
            return self.check(text)
        try:
            value = int(raw) if self.type is int else float(raw.replace(",", "."))
        except ValueError:
            raise ParameterError(f"Paramètre « {self.name} » : « {text} » n'est pas {TYPE_NAMES[self.type]} "
                                 f"— {self.name} : {self.description}.") from None
        return self.check(value)

    def shown_default(self) -> str:
        """The default as a facilitator reads it: « 1 », « 0,5 », « ../dossier »."""
        return f"« {self.default} »" if self.type is str else _fr(self.default)

    def source_line(self) -> str:
        """The line of the ``parameters`` cell: ``name: type = default  # description``."""
        default = json.dumps(self.default, ensure_ascii=False) if self.type is str else repr(self.default)
        return f"{self.name}: {self.type.__name__} = {default}  # {self.description}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _type_name(value: object) -> str:
    return {bool: "vrai/faux", str: "texte", int: "nombre entier", float: "nombre"}.get(type(value), type(value).__name__)


def _fr(number: float) -> str:
    return f"{number:g}".replace(".", ",")


#: The parameters every phase notebook takes from the runner.
TERRITOIRE = Parameter("territoire", str, "../data_samples/territoires/metropole-exemple",
                       "dossier du territoire (absolu, ou relatif au dossier notebooks/)")
ANNEE = Parameter("annee", int, 2025, "année étudiée", minimum=2000)
DOSSIER_RUN = Parameter("dossier_run", str, "",
                        "dossier du run où écrire les tables ; vide pour explorer sans rien écrire")
COMMON = (TERRITOIRE, ANNEE, DOSSIER_RUN)
#: Given by the runner from the territory, the year and the run folder: never with ``--parametre``.
RUNNER_PARAMETERS = tuple(p.name for p in COMMON)

#: Phase-specific parameters (defaults equal to the library's: ``demand.DEFAULT_INDEX_THRESHOLD``,
#: ``scoring.DEFAULT_TOP_N``; a test checks it).
SEUIL_INDICE = Parameter("seuil_indice", float, 1.0,
                         "un public est retenu quand son indice de représentation est inférieur à ce seuil",
                         minimum=0)
TOP_N = Parameter("top_n", int, 5, "nombre de segments retenus (les N premiers du classement)", minimum=1)
GRAINE = Parameter("graine", int, 2025, "graine du tirage aléatoire de l'analyse de robustesse", minimum=0)

NOTEBOOK_PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "00_controle_donnees": COMMON,
    "01_etat_des_lieux": COMMON,
    "02_besoins_emploi_insertion": COMMON + (SEUIL_INDICE,),
    "03_besoins_economiques": COMMON,
    "04_secteurs_prioritaires": COMMON + (TOP_N, GRAINE),
    "05_argumentaire": COMMON,
    "06_mobilisation_acheteurs": COMMON,
    "07_partenariat_territorial": COMMON,
    "08_volumes_insertion": COMMON,
    "09_evaluation": COMMON,
    "10_synthese": COMMON,
}


#: Environment variables read when a notebook is opened by hand (``make lab TERRITOIRE=… ANNEE=…`` sets them).
TERRITORY_VARIABLE = "DIVERSIFICATION_TERRITOIRE"
YEAR_VARIABLE = "DIVERSIFICATION_ANNEE"


def _territory_from(value: str) -> Path:
    """The territory folder named by ``value`` (absolute; relative to the working folder or to the kit's root; or the
    name of a sample territory); French error naming the variable when there is none."""
    raw = Path(value.strip()).expanduser()
    candidates = [raw] if raw.is_absolute() else [Path.cwd() / raw, paths.ROOT_DIR / raw, paths.TERRITOIRES_DIR / raw]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    raise ParameterError(
        f"La variable d'environnement {TERRITORY_VARIABLE} vaut « {value} » : aucun dossier de territoire à cet "
        f"endroit (cherché : {', '.join(str(c) for c in candidates)}). Donnez le chemin d'un dossier de territoire, "
        f"par exemple make lab TERRITOIRE=data_samples/territoires/rural-exemple.")


def as_opened(territoire: str | Path, annee: int | None) -> tuple[Path | str, int | None]:
    """The territory and the year a notebook works on.

    A study (the runner, papermill) always gives an absolute territory: it is kept as given. A notebook opened by
    hand in JupyterLab keeps the declared default (:data:`TERRITOIRE`): it then works on the territory of the
    environment variable :data:`TERRITORY_VARIABLE` when set (and on the year of :data:`YEAR_VARIABLE`, else on the
    year of that territory's ``territoire.yaml``), otherwise on the default sample territory, found from the
    notebook's folder or, in a copy of the notebooks, from the kit's files.
    """
    if str(territoire) != TERRITOIRE.default:
        return territoire, annee
    chosen = os.environ.get(TERRITORY_VARIABLE, "").strip()
    year = os.environ.get(YEAR_VARIABLE, "").strip()
    if year:
        if not year.isdigit():
            raise ParameterError(f"La variable d'environnement {YEAR_VARIABLE} vaut « {year} » : une année est "
                                 "attendue, par exemple make lab ANNEE=2024.")
        annee = ANNEE.check(int(year), f"(variable d'environnement {YEAR_VARIABLE})")
    elif chosen:
        annee = None  # the year of the chosen territory's territoire.yaml
    if chosen:
        return _territory_from(chosen), annee
    default = Path(TERRITOIRE.default)
    if not default.is_dir():
        default = paths.TERRITOIRES_DIR / paths.DEFAULT_TERRITORY
    return default.resolve(), annee


def declared(notebook: str) -> dict[str, Parameter]:
    """``{name: Parameter}`` of a phase notebook (its name without ``.ipynb``); empty for a notebook the kit does
    not declare (a test notebook: the runner then checks its ``parameters`` cell only)."""
    return {p.name: p for p in NOTEBOOK_PARAMETERS.get(notebook, ())}


def cell_source(notebook: str) -> str:
    """The source of the ``parameters`` cell of a phase notebook (the builders write it)."""
    return "\n".join(p.source_line() for p in NOTEBOOK_PARAMETERS[notebook])


def validate(notebook: str, values: dict) -> dict:
    """``values`` checked against the declaration of ``notebook``: a parameter it does not declare, or of the wrong
    type, raises :class:`ParameterError` (French); the values as the notebook receives them."""
    params = declared(notebook)
    unknown = sorted(set(values) - set(params))
    if unknown:
        raise ParameterError(
            f"Le notebook « {notebook} » ne déclare pas le(s) paramètre(s) {', '.join(unknown)} "
            f"(paramètres déclarés : {', '.join(params) or 'aucun'}).")
    return {name: params[name].check(value, f"du notebook « {notebook} »") for name, value in values.items()}


def by_name() -> dict[str, Parameter]:
    """Every declared parameter by name (one declaration per name, whatever the notebook)."""
    found: dict[str, Parameter] = {}
    for params in NOTEBOOK_PARAMETERS.values():
        for p in params:
            found.setdefault(p.name, p)
    return found


def validate_study(values: dict, notebooks: list[str]) -> dict:
    """The extra parameters of a study (``{name: value}``, given beside the territory and the year), checked: each
    must be declared by at least one of ``notebooks`` with that type, and none is a runner parameter."""
    reserved = sorted(set(values) & set(RUNNER_PARAMETERS))
    if reserved:
        raise ParameterError(f"Paramètre(s) {', '.join(reserved)} refusé(s) : l'étude les donne elle-même "
                             "(options --territoire et --annee, dossier du run).")
    known = {p.name: p for name in notebooks for p in NOTEBOOK_PARAMETERS.get(name, ())
             if p.name not in RUNNER_PARAMETERS}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParameterError(
            f"Paramètre(s) inconnu(s) : {', '.join(unknown)}. Paramètres admis : "
            + (" ; ".join(f"{p.name} = {TYPE_NAMES[p.type]}, par défaut {p.shown_default()} ({p.description})"
                         for p in known.values()) or "aucun") + ".")
    return {name: known[name].check(value) for name, value in values.items()}


def parse_assignment(text: str) -> tuple[str, object]:
    """``"top_n=6"`` (command line) → ``("top_n", 6)``, typed by the declaration; French error otherwise."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParameterError(f"Paramètre « {text} » illisible : NOM=VALEUR attendu, ex. top_n=6.")
    params = by_name()
    if name in RUNNER_PARAMETERS:
        validate_study({name: value}, [])  # the French refusal of a runner parameter
    if name not in params:
        validate_study({name: value}, list(NOTEBOOK_PARAMETERS))  # the French list of the parameters admitted
    return name, params[name].parse(value)
