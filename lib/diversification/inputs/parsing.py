"""Parsing of French-formatted values: numbers, dates, booleans, CPV codes.

Every parser returns ``None`` for a missing value (empty, ``NC``, ``n/a``...)
and raises :class:`ValueError` with a French reason for a value it cannot read.
No value is ever replaced by a sentinel.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

MISSING_TOKENS = {"", "nc", "n/c", "na", "n/a", "nan", "none", "null", "-", "—", "nd", "n.d."}

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y")
_TRUE = {"oui", "o", "1", "true", "vrai", "x", "yes", "y"}
_FALSE = {"non", "n", "0", "false", "faux", "no"}


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return str(value).strip().lower() in MISSING_TOKENS


def parse_number(value: object) -> float | None:
    """Read ``1 234,56``, ``1.234,56``, ``1234.56``, ``12 500 €``, ``1,5e3``..."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError("nombre attendu")
    if isinstance(value, (int, float)):
        return float(value)
    text = _SPACES.sub("", str(value)).replace("€", "").replace("EUR", "").strip()
    if text.endswith("%"):
        raise ValueError("nombre attendu (pourcentage non admis ici)")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError("nombre illisible") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("nombre illisible")
    return number


def parse_int(value: object) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if abs(number - round(number)) > 1e-9:
        raise ValueError("nombre entier attendu")
    return int(round(number))


def parse_date(value: object) -> pd.Timestamp | None:
    """Read ``31/12/2024``, ``2024-12-31``, ``2024-12-31T00:00:00+01:00`` or an Excel date."""
    if is_missing(value):
        return None
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo else pd.Timestamp(value)
    text = str(value).strip()
    iso = re.match(r"^(\d{4}-\d{2}-\d{2})([T ][0-9:.]+)?([+-]\d{2}:?\d{2}|Z)?$", text)
    if iso:
        text = iso.group(1)
    for fmt in _DATE_FORMATS:
        try:
            return pd.Timestamp(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError("date illisible ou impossible (formats admis : jj/mm/aaaa, aaaa-mm-jj)")


def parse_bool(value: object) -> bool | None:
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    text = strip_accents(str(value)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("oui ou non attendu")


def normalize_cpv(value: object) -> str | None:
    """``45000000-7`` → ``45000000``; ``4521000`` (lost leading zero) → ``04521000`` is *not* guessed.

    Raises when the code is not 8 digits (optionally followed by ``-`` and a check digit).
    """
    if is_missing(value):
        return None
    text = str(value).strip().replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    match = re.match(r"^(\d{8})(-\d)?$", text)
    if not match:
        raise ValueError("code CPV invalide : 8 chiffres attendus (ex. 45000000 ou 45000000-7)")
    return match.group(1)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize_header(name: object) -> str:
    """``Heures réalisées `` → ``heures_realisees``; used to match column names."""
    text = strip_accents(str(name)).strip().lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text
