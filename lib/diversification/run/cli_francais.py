"""The command line's frames in French: help panels, usage line, type labels, error messages.

Typer renders the help and the errors with rich; its frame words are module
constants of :mod:`typer.rich_utils` (set here once), its usage line and its
parse errors come from the command classes (:class:`FrenchGroup` and
:class:`FrenchCommand`, given as ``cls=`` to the app and to every command).
The help renderer itself is Typer's: only its words change, not its look.
"""

from __future__ import annotations

import re
import types

from typer import rich_utils
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

HELP_OPTION_TEXT = "Affiche cette aide et quitte."
USAGE_PREFIX = "Utilisation : "
SUBCOMMAND_METAVAR = "COMMANDE [ARGUMENTS]..."

#: Frame words of the rich help and error panels (``typer.rich_utils`` constants).
RICH_FRAMES = {
    "OPTIONS_PANEL_TITLE": "Options",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "DEFAULT_STRING": "[par défaut : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "DEPRECATED_STRING": "(obsolète) ",
    "ABORTED_TEXT": "Interrompu.",
    "RICH_HELP": "Pour l'aide : [blue]'{command_path} {help_option}'[/].",
}

#: Typer's type labels (« <path> ») in French; a flag shows none.
TYPE_LABELS = {
    "<path>": "<chemin>",
    "<file>": "<fichier>",
    "<dir>": "<dossier>",
    "<directory>": "<dossier>",
    "<int>": "<entier>",
    "<float>": "<nombre>",
    "<str>": "<texte>",
    "<bool>": "<oui/non>",
    "<list[str]>": "<texte>...",
    "<list[Path]>": "<chemin>...",
    "<list[int]>": "<entier>...",
}

_TYPE_NAMES = {"integer": "un nombre entier", "int": "un nombre entier", "float": "un nombre", "str": "un texte",
               "bool": "oui ou non", "Path": "un chemin"}
_PATH_LABELS = {"File": "Fichier", "Directory": "Dossier", "Path": "Chemin"}
_PARAM_KINDS = {"option": "Option manquante", "argument": "Argument manquant", "parameter": "Paramètre manquant"}

#: Parse errors of Typer (English) and their French text; applied in order, each to the whole message.
ERROR_RULES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"^(.*?)\.? Did you mean (.+)\?$", re.S),
     lambda m: f"{french_error(m.group(1)).rstrip('.')}. Vouliez-vous dire {m.group(2)} ?"),
    (re.compile(r"^(.*) \(Possible options: (.+)\)$", re.S),
     lambda m: f"{french_error(m.group(1))} (options possibles : {m.group(2)})"),
    (re.compile(r"^Missing (option|argument|parameter) (.+?)\.(?: (.*))?$", re.S),
     lambda m: f"{_PARAM_KINDS[m.group(1)]} : {m.group(2)}." + (f" {french_error(m.group(3))}" if m.group(3) else "")),
    (re.compile(r"^Missing parameter: (.+)$"), lambda m: f"Paramètre manquant : {m.group(1)}"),
    (re.compile(r"^Missing command\.$"), lambda m: "Commande manquante."),
    (re.compile(r"^No such option: (.+)$"), lambda m: f"Option inconnue : {m.group(1)}"),
    (re.compile(r"^No such command (.+?)\.?$"), lambda m: f"Commande inconnue : {m.group(1)}."),
    (re.compile(r"^Invalid value for (.+?): (.*)$", re.S),
     lambda m: f"Valeur refusée pour {m.group(1)} : {french_error(m.group(2))}"),
    (re.compile(r"^Invalid value: (.*)$", re.S), lambda m: f"Valeur refusée : {french_error(m.group(1))}"),
    (re.compile(r"^Value (.+) is not a valid (\w+)\.$"),
     lambda m: f"{m.group(1)} n'est pas {_TYPE_NAMES.get(m.group(2), m.group(2))}."),
    (re.compile(r"^(.+) is not a valid (\w+)\.$"),
     lambda m: f"{m.group(1)} n'est pas {_TYPE_NAMES.get(m.group(2), m.group(2))}."),
    (re.compile(r"^Input should be a valid (\w+)\b.*$", re.S),
     lambda m: f"{_TYPE_NAMES.get(m.group(1), m.group(1)).capitalize()} est attendu."),
    (re.compile(r"^(.+) is not one of (.+)\.$"), lambda m: f"{m.group(1)} n'est pas l'une des valeurs {m.group(2)}."),
    (re.compile(r"^(.+) is not in the range (.+)\.$"), lambda m: f"{m.group(1)} est hors de l'intervalle {m.group(2)}."),
    (re.compile(r"^(File|Directory|Path) (.+) does not exist\.$"),
     lambda m: f"{_PATH_LABELS[m.group(1)]} {m.group(2)} introuvable."),
    (re.compile(r"^(File|Directory|Path) (.+) is a file\.$"),
     lambda m: f"{_PATH_LABELS[m.group(1)]} {m.group(2)} : c'est un fichier, un dossier est attendu."),
    (re.compile(r"^(File|Directory|Path) (.+) is a directory\.$"),
     lambda m: f"{_PATH_LABELS[m.group(1)]} {m.group(2)} : c'est un dossier, un fichier est attendu."),
    (re.compile(r"^(File|Directory|Path) (.+) is not (readable|writable|executable)\.$"),
     lambda m: f"{_PATH_LABELS[m.group(1)]} {m.group(2)} : droits insuffisants "
               f"({ {'readable': 'lecture', 'writable': 'écriture', 'executable': 'exécution'}[m.group(3)] })."),
    (re.compile(r"^Got unexpected extra argument\(s\) \((.*)\)$", re.S),
     lambda m: f"Argument(s) en trop : {m.group(1)}"),
    (re.compile(r"^Option (.+) requires an argument\.$"), lambda m: f"L'option {m.group(1)} attend une valeur."),
    (re.compile(r"^Option (.+) requires (\d+) arguments\.$"),
     lambda m: f"L'option {m.group(1)} attend {m.group(2)} valeurs."),
    (re.compile(r"^Option (.+) does not take a value\.$"), lambda m: f"L'option {m.group(1)} n'accepte pas de valeur."),
    (re.compile(r"^Argument (.+) takes (\d+) values\.$"), lambda m: f"L'argument {m.group(1)} attend {m.group(2)} valeurs."),
]


def french_error(message: str) -> str:
    """The French text of one of Typer's parse errors (unchanged when no rule knows it)."""
    for pattern, french in ERROR_RULES:
        found = pattern.match(message)
        if found:
            return french(found)
    return message


def _french_usage_error(exc: UsageError) -> UsageError:
    french = UsageError(french_error(exc.format_message()), exc.ctx)
    french.exit_code = exc.exit_code
    return french


def _french_type(label: str | None) -> str | None:
    return TYPE_LABELS.get(label, label) if label else label


def frenchify_param(param, ctx) -> None:
    """French type label of a parameter in the help (« <chemin> », « <entier> »; none for a flag)."""
    if isinstance(param, TyperOption):
        if param.metavar is None:
            param.metavar = "" if param.is_flag else _french_type(param.display_type_rich(ctx))
    elif isinstance(param, TyperArgument) and not getattr(param, "_type_francais", False):
        english = param.display_type_rich
        param.display_type_rich = types.MethodType(lambda self, ctx: _french_type(english(ctx)), param)
        param._type_francais = True


class _French:
    """French usage line, help option, type labels and parse errors of a Typer command or group."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            frenchify_param(param, ctx)
        return params

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=USAGE_PREFIX)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise _french_usage_error(exc) from None


class FrenchGroup(_French, TyperGroup):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.subcommand_metavar in (None, "COMMAND [ARGS]..."):
            self.subcommand_metavar = SUBCOMMAND_METAVAR

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except NoArgsIsHelpError:
            raise
        except UsageError as exc:
            raise _french_usage_error(exc) from None


class FrenchCommand(_French, TyperCommand):
    pass


def install_rich_frames() -> None:
    """Typer's rich frame words in French (module constants read at each rendering)."""
    for name, text in RICH_FRAMES.items():
        setattr(rich_utils, name, text)


install_rich_frames()
