"""SIRET checks (14 digits, Luhn key)."""

from __future__ import annotations

import re

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
    """True when ``digits`` passes the Luhn check."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def siret_problem(value: object) -> str | None:
    """French reason why ``value`` is not a valid SIRET, or ``None`` when it is.

    La Poste's establishments (SIREN 356000000) may follow a different key
    rule (the sum of the digits is a multiple of 5); that rule is accepted too.
    """
    text = normalize_siret(value)
    if text is None:
        return "SIRET absent"
    if not text.isdigit() or len(text) != 14:
        return "SIRET invalide : 14 chiffres attendus"
    if text.startswith("356000000") and sum(int(c) for c in text) % 5 == 0:
        return None
    if not luhn_ok(text):
        return "SIRET invalide : clé de contrôle (Luhn) fausse"
    return None


def complete_luhn(prefix13: str) -> str:
    """Append the Luhn key digit to 13 digits (used by the sample generator)."""
    for last in "0123456789":
        if luhn_ok(prefix13 + last):
            return prefix13 + last
    raise ValueError(prefix13)
