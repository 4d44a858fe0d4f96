"""Error types and the rejection report shared by every loader.

A user mistake never ends in a Python traceback: loaders raise
:class:`InputError` (a whole file or input cannot be used, with a French
message naming the file and the column) or record rows in a
:class:`RejectionLog` (a row or a value is rejected or flagged, with its line
number and a French reason). Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Columns of every rejects table (CSV written into the run folder).
REJECT_COLUMNS = ["entree", "fichier", "ligne", "colonne", "valeur", "motif", "action"]

#: What happened to the row or value, as the facilitator reads it.
ACTION_ROW_REJECTED = "ligne rejetée"
ACTION_VALUE_FLAGGED = "signalée, ligne conservée"
ACTION_VALUE_IGNORED = "valeur ignorée, ligne conservée"
ACTION_COLUMN_IGNORED = "colonne ignorée"
ACTION_COLUMN_DROPPED = "colonne supprimée (donnée personnelle)"
ACTION_FILE_REJECTED = "fichier rejeté"
ACTION_EXCLUDED_FROM_TOTALS = "exclue des totaux de montants, conservée dans les comptes"
ACTION_DUPLICATE_REMOVED = "doublon retiré"
ACTION_COUNTS_ADDED = "effectif additionné à celui d'une ligne précédente"
ACTION_AMOUNT_UPDATED = "montant mis à jour par avenant"


class KitError(Exception):
    """Base class of the errors whose message is meant for a user (in French)."""


class InputError(KitError):
    """A whole input cannot be used; the message says which file and why."""


class ConfigError(KitError):
    """The territory configuration is invalid; the message gives the line or key."""


@dataclass
class RejectionLog:
    """Accumulates rejected rows and flagged values for one input."""

    input_name: str
    records: list[dict] = field(default_factory=list)

    def add(
        self,
        fichier: str | Path,
        ligne: int | None,
        colonne: str | None,
        valeur: object,
        motif: str,
        action: str = ACTION_ROW_REJECTED,
    ) -> None:
        self.records.append(
            {
                "entree": self.input_name,
                "fichier": Path(fichier).name if fichier else "",
                "ligne": None if ligne is None else int(ligne),
                "colonne": colonne or "",
                "valeur": "" if valeur is None else shorten(valeur),
                "motif": motif,
                "action": action,
            }
        )

    def extend(self, other: "RejectionLog") -> None:
        self.records.extend(other.records)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.records, columns=REJECT_COLUMNS)
        frame["ligne"] = frame["ligne"].astype("Int64")
        return frame

    def rejected_lines(self) -> set[tuple[str, int]]:
        return {
            (r["fichier"], r["ligne"])
            for r in self.records
            if r["action"] == ACTION_ROW_REJECTED and r["ligne"] is not None
        }


def shorten(value: object, limit: int = 120) -> str:
    """The text of ``value``, cut to ``limit`` characters (ending with « … » when cut)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_lines(lines: list[int], limit: int = 10) -> str:
    """French list of line numbers: « lignes 3, 7 et 12 » (cut after ``limit``)."""
    lines = sorted(set(int(x) for x in lines))
    if not lines:
        return ""
    if len(lines) == 1:
        return f"ligne {lines[0]}"
    shown = [str(x) for x in lines[:limit]]
    rest = len(lines) - limit
    if rest > 0:
        return "lignes " + ", ".join(shown) + f" et {rest} autre(s)"
    return "lignes " + ", ".join(shown[:-1]) + " et " + shown[-1]
