"""SIRET checks (14 digits, Luhn key)."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Separators removed from a SIRET before it is checked (RE2: ASCII white space, real non-breaking spaces,
#: « . », « - »).
SEPARATORS_RE = "[\\s\u00a0\u202f.\\-]"
_NON_DIGITS = re.compile(r"[\s\u00a0\u202f.\-]")


def normalize_siret(value: object) -> str | None:
    """Strip spaces and separators; return ``None`` for an empty value."""
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a SIRET read as a float by Excel
        text = text[:-2]
    text = _NON_DIGITS.sub("", text)
    return text or None


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` (14 of them) passes the Luhn check."""
    if not (digits.isascii() and digits.isdigit() and len(digits) == 14):
        return False
    return bool(luhn_valid(np.frombuffer(digits.encode(), np.uint8).reshape(1, 14) - 48)[0])


def siret_problem(value: object) -> str | None:
    """French reason why ``value`` is not a valid SIRET, or ``None`` when it is (:func:`siret_problems`).

    La Poste's establishments (SIREN 356000000) may follow a different key
    rule (the sum of the digits is a multiple of 5); that rule is accepted too.
    """
    return row_problems([value])[0]


def row_problems(values: list) -> list[str | None]:
    """:func:`siret_problem` of each of ``values`` (in order), the distinct values checked at once by
    :func:`siret_problems`."""
    normalized = [normalize_siret(v) for v in values]
    distinct, reasons = siret_problems(pa.array(normalized, pa.string()))
    found = dict(zip(distinct.to_pylist(), reasons.to_pylist()))
    return [found[v] for v in normalized]


def luhn_valid(digits: np.ndarray) -> np.ndarray:
    """Luhn check of rows of 14 digits (``uint8`` array of shape (n, 14))."""
    d = digits.astype(np.int16)
    doubled = d[:, 0::2] * 2  # from the right, every second digit: positions 0, 2, ... of 14 digits
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + d[:, 1::2].sum(axis=1)
    return total % 10 == 0


def siret_problems(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The distinct values and, for each, ``None`` for a valid SIRET, else the French reason (vectorised:
    the national file has hundreds of thousands of holders). La Poste's rule as in :func:`siret_problem`."""
    values = pc.unique(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    clean = pc.replace_substring_regex(values, SEPARATORS_RE, "")
    well_formed = np.asarray(pc.fill_null(pc.match_substring_regex(clean, r"^\d{14}$"), False))
    reasons = np.full(len(values), None, dtype=object)
    reasons[~well_formed] = "SIRET invalide : 14 chiffres attendus"
    empty = np.asarray(pc.fill_null(pc.equal(clean, ""), True))
    reasons[empty] = "SIRET absent"
    rows = np.nonzero(well_formed)[0]
    if len(rows):
        chosen = pc.cast(clean.take(pa.array(rows)), pa.binary())
        digits = np.frombuffer(b"".join(chosen.to_pylist()) if len(rows) < 64 else
                               _concat_binary(chosen), np.uint8).reshape(-1, 14) - 48
        ok = luhn_valid(digits)
        poste = (digits[:, :9] == np.array([3, 5, 6, 0, 0, 0, 0, 0, 0])).all(axis=1) & (digits.sum(axis=1) % 5 == 0)
        reasons[rows[~(ok | poste)]] = "SIRET invalide : clé de contrôle (Luhn) fausse"
    return values, pa.array(reasons, pa.string())


def _concat_binary(array: pa.Array) -> bytes:
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    offsets = np.frombuffer(array.buffers()[1], np.int32)[array.offset:array.offset + len(array) + 1]
    return np.frombuffer(array.buffers()[2], np.uint8)[offsets[0]:offsets[-1]].tobytes()



def complete_luhn(prefix13: str) -> str:
    """Append the Luhn key digit to 13 digits (used by the sample generator)."""
    for last in "0123456789":
        if luhn_ok(prefix13 + last):
            return prefix13 + last
    raise ValueError(prefix13)
