"""Purchase segments: CPV code → segment, nature of a CPV code, segment labels.

The mapping lives in ``data_samples/referentiels/cpv_segments.csv``: a CPV code
(8 digits, with or without its check digit) belongs to the segment of the
longest prefix of the table that it starts with. Every CPV division has a
two-digit catch-all, so every valid code of the CPV 2008 maps to exactly one
segment.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

from diversification.inputs.parsing import normalize_cpv, normalize_header
from diversification.inputs.referentiels import load_referentiel

#: Divisions of supplies (CPV convention: 03 to 44, and 48 software packages).
_SUPPLY_DIVISIONS = frozenset({f"{d:02d}" for d in range(3, 45)} | {"48"})
_WORKS_DIVISION = "45"

#: Segment of a contract whose CPV code is absent or unusable: the contract is kept (counted in its buyer's
#: totals and in the shares of social consideration) but never ranked among the reference segments.
INDETERMINATE_SEGMENT = "indetermine"
INDETERMINATE_LABEL = "Segment indéterminé (code CPV absent ou inexploitable)"


@functools.lru_cache(maxsize=1)
def _prefix_map() -> dict[str, str]:
    table = load_referentiel("cpv_segments")
    return dict(zip(table["prefixe_cpv"], table["segment_id"]))


@functools.lru_cache(maxsize=1)
def _prefix_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(p) for p in _prefix_map()}, reverse=True))


def _clean_code(code: object) -> str:
    digits = normalize_cpv(code)  # raises ValueError (French) on a malformed code
    if digits is None:
        raise ValueError("code CPV manquant")
    return digits


def segment_for_cpv(code: object) -> str:
    """Segment id of a CPV code (``45210000`` or ``45210000-2``).

    Raises :class:`ValueError` with a French message when the code is missing,
    malformed, or in no CPV division known to the reference table.
    """
    digits = _clean_code(code)
    prefixes = _prefix_map()
    for length in _prefix_lengths():
        segment = prefixes.get(digits[:length])
        if segment is not None:
            return segment
    raise ValueError(f"code CPV {digits} : division {digits[:2]} absente de la nomenclature CPV 2008")


def _segment_or_na(value: object):
    try:
        return segment_for_cpv(value)
    except ValueError:
        return pd.NA


def map_cpv_series(codes: pd.Series) -> pd.Series:
    """Segment of every code of a Series; ``<NA>`` for a missing or invalid code.

    Only distinct values are resolved, so a column of 1.5 million codes with a
    few thousand distinct values maps in well under a second. Callers that need
    to report invalid codes use :func:`segment_for_cpv` on the distinct values.
    """
    distinct = pd.unique(codes.dropna())
    lookup = {value: _segment_or_na(value) for value in distinct}
    return codes.map(lookup).astype("string").rename("segment")


def segment_labels(*, indeterminate: bool = False) -> dict[str, str]:
    """``segment_id`` → French label, in the order of the reference table; with ``indeterminate``, the
    indeterminate segment last (contracts without a usable CPV code: shown in counts, never ranked)."""
    table = load_referentiel("segments")
    labels = dict(zip(table["segment_id"], table["libelle"]))
    return labels | {INDETERMINATE_SEGMENT: INDETERMINATE_LABEL} if indeterminate else labels


def nature_for_cpv(code: object) -> str:
    """``travaux`` (division 45), ``fournitures`` (03–44 and 48) or ``services`` (others)."""
    division = _clean_code(code)[:2]
    if division == _WORKS_DIVISION:
        return "travaux"
    if division in _SUPPLY_DIVISIONS:
        return "fournitures"
    return "services"


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def _sector_key(label: object) -> str:
    return normalize_header(str(label).translate(_LIGATURES))


@functools.lru_cache(maxsize=1)
def _sector_map() -> dict[str, str]:
    table = load_referentiel("secteurs_structures")
    return {_sector_key(s): seg for s, seg in zip(table["secteur"], table["segment_id"])}


_TOKEN_SEPARATOR = re.compile(r"\s*[,/]\s*")


def split_sectors(value: object) -> list[str]:
    """The sector labels of one cell of the directory.

    Labels are separated by « | » or « ; » (the kit's files), or by « , » (the exports of the Marché de
    l'inclusion join them with « , »), some files use « / ». Some real labels contain a comma or a slash
    (« Ameublement, déco, textile & Artisanat », « Pêche/Pisciculture »): within a part, the longest run of
    pieces that makes a known label is taken at each step; a piece that starts no known label is kept alone
    (reported as unknown by the caller).
    """
    if not isinstance(value, str):
        return []
    known = _sector_map()
    labels = []
    for part in re.split(r"[|;]", value):
        part = part.strip()
        if not part:
            continue
        if _sector_key(part) in known:
            labels.append(part)
            continue
        # pieces and the spans of the original text they cover
        starts, ends, position = [], [], 0
        for separator in _TOKEN_SEPARATOR.finditer(part):
            starts.append(position)
            ends.append(separator.start())
            position = separator.end()
        starts.append(position)
        ends.append(len(part))
        i = 0
        while i < len(starts):
            j = next((j for j in range(len(starts), i, -1) if _sector_key(part[starts[i]:ends[j - 1]]) in known), i + 1)
            piece = part[starts[i]:ends[j - 1]].strip()
            if piece:
                labels.append(piece)
            i = j
    return labels


def segment_for_sector(label: object) -> str | None:
    """Segment of a sector label of the inclusive-structure directory, ``None`` if unknown.

    Case, accents and punctuation are ignored (« Entretien de locaux » =
    « entretien-de-locaux »).
    """
    if label is None or (isinstance(label, float) and label != label):
        return None
    return _sector_map().get(_sector_key(label))
