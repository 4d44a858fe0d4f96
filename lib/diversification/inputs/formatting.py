"""French display of numbers, shares, points, euros and dates: the one place where the kit formats a value a user
reads (notebooks, report, xlsx headers and notes, CLI, training answers).

One space character: U+202F NARROW NO-BREAK SPACE, for the thousands separator and before « % », « € » and the
units. It is the character of the Unicode CLDR French locale for grouping digits (« 1 234 ») and the « espace
fine insécable » of French typography before « % » ; being no-break, a number never breaks across two lines of the
report or the PDF. U+00A0 (the wider no-break space) is never used, so that two texts of the same value are always
equal and a test can compare them.

A negative value is written with the true minus sign U+2212 (« −8,6 points »), as French typography writes it.
A missing value (``None``, NaN, ``pd.NA``, ``NaT``) is written « — » (:data:`MISSING`).

A *point* (« point de pourcentage ») is the unit of a difference of two shares: from 12 % to 15,2 % is
« +3,2 points », never « 3,2 % ». French writes « point » in the singular below 2 (« 1,5 point », « 0 point »).
"""

from __future__ import annotations

import datetime as dt
import math
import pandas as pd

SPACE = "\u202f"
MINUS = "\u2212"
MISSING = "—"


def is_missing(value: object) -> bool:
    """``None``, NaN, ``pd.NA`` or ``NaT``."""
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


def _as_float(value: object) -> float:
    return float(value)  # numpy scalars, Decimal, int


def number(value: object, decimals: int = 0, *, signed: bool = False) -> str:
    """``1234.5`` → ``1 234,5`` (``decimals`` digits after the comma); ``signed``: « +3,2 » for a positive value.
    Never « −0 »."""
    if is_missing(value):
        return MISSING
    x = _as_float(value)
    text = f"{abs(x):,.{decimals}f}".replace(",", SPACE).replace(".", ",")
    if set(text) <= set("0," + SPACE):  # rounds to zero: no sign
        return text
    if x < 0:
        return MINUS + text
    return ("+" + text) if signed else text


def integer(value: object) -> str:
    """``12345`` → ``12 345``."""
    return number(value, 0)


def percent(share: object, decimals: int = 1) -> str:
    """A share (``0.123``) as ``12,3 %``."""
    if is_missing(share):
        return MISSING
    return f"{number(_as_float(share) * 100, decimals)}{SPACE}%"


def points_word(value: float) -> str:
    """« point » below 2 in absolute value (French: « 1,5 point »), « points » from 2."""
    return "point" if abs(value) < 2 else "points"


def points(value: object, decimals: int = 1, *, signed: bool = True) -> str:
    """A difference of two shares, **already in points** (``3.2`` for 12 % → 15,2 %), as ``+3,2 points``;
    ``−8,6 points`` ; ``1,5 point``. ``signed``: « + » before a positive value (an evolution)."""
    if is_missing(value):
        return MISSING
    x = _as_float(value)
    text = number(x, decimals, signed=signed)
    shown = float(text.replace(MINUS, "-").replace("+", "").replace(SPACE, "").replace(",", "."))
    return f"{text}{SPACE}{points_word(shown)}"


def share_difference(after: object, before: object, decimals: int = 1, *, signed: bool = True) -> str:
    """The difference of two shares (``0.152`` and ``0.12``) in points: ``+3,2 points``."""
    if is_missing(after) or is_missing(before):
        return MISSING
    return points((_as_float(after) - _as_float(before)) * 100, decimals, signed=signed)


def rank(position: object, count: object) -> str:
    """A rank among ``count`` (``12``, ``101``) as ``12ᵉ sur 101`` (``1er sur 101``); « — » without a rank."""
    if is_missing(position) or is_missing(count):
        return MISSING
    first = int(_as_float(position))
    suffix = "er" if first == 1 else "\u1d49"
    return f"{first}{suffix} sur {integer(count)}"


def euros(value: object, decimals: int = 0) -> str:
    """``12345.6`` → ``12 346 €``."""
    if is_missing(value):
        return MISSING
    return f"{number(value, decimals)}{SPACE}€"


def millions_euros(value: object, decimals: int = 2) -> str:
    """``1234567`` → ``1,23 M€``."""
    if is_missing(value):
        return MISSING
    return f"{number(_as_float(value) / 1e6, decimals)}{SPACE}M€"


def hours(value: object, decimals: int = 0) -> str:
    """``1234`` → ``1 234 h``."""
    if is_missing(value):
        return MISSING
    return f"{number(value, decimals)}{SPACE}h"


def date(value: object) -> str:
    """A date or timestamp (or ISO text) as ``31/12/2025``."""
    if is_missing(value) or value == "":
        return MISSING
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    elif not isinstance(value, dt.date):
        value = pd.Timestamp(value)
    return f"{value:%d/%m/%Y}"


def seconds(value: object) -> str:
    """A duration: ``12.34`` → ``12,3 s``."""
    if is_missing(value):
        return MISSING
    return f"{number(value, 1)}{SPACE}s"


def minutes(value: object) -> str:
    """A session duration in minutes: ``20`` → ``20 min``, ``90`` → ``1 h 30``, ``360`` → ``6 h``."""
    if is_missing(value):
        return MISSING
    total = int(value)
    hours_part, rest = divmod(total, 60)
    if not hours_part:
        return f"{rest}{SPACE}min"
    return f"{hours_part}{SPACE}h" + (f"{SPACE}{rest:02d}" if rest else "")


def clock(value: object) -> str:
    """A time of the session, in minutes from its start: ``0`` → ``0 h 00``, ``95`` → ``1 h 35``."""
    if is_missing(value):
        return MISSING
    hours_part, rest = divmod(int(value), 60)
    return f"{hours_part}{SPACE}h{SPACE}{rest:02d}"
