"""French formats (lib/diversification/inputs/formatting.py): strings computed by hand.

N = U+202F (narrow no-break space), M = U+2212 (minus)."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from diversification.inputs import formatting as f

N, M = "\u202f", "\u2212"


@pytest.mark.parametrize("value, decimals, expected", [
    (0, 0, "0"), (7, 0, "7"), (1234, 0, f"1{N}234"), (1234567.891, 2, f"1{N}234{N}567,89"),
    (1234.5, 1, f"1{N}234,5"), (-1234.5, 1, f"{M}1{N}234,5"), (-0.04, 1, "0,0"), (-0.4, 0, "0"),
    (np.int64(231180), 0, f"231{N}180"), (np.float64(4.6), 1, "4,6"), (999.96, 1, f"1{N}000,0"),
])
def test_number(value, decimals, expected):
    assert f.number(value, decimals) == expected


def test_signed_number():
    assert f.number(3.21, 1, signed=True) == "+3,2"
    assert f.number(-3.21, 1, signed=True) == f"{M}3,2"
    assert f.number(0.01, 1, signed=True) == "0,0"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, np.nan])
def test_missing_is_a_dash(missing):
    for text in (f.number(missing), f.percent(missing), f.points(missing), f.euros(missing), f.date(missing),
                 f.share_difference(missing, 0.1), f.hours(missing), f.millions_euros(missing)):
        assert text == "—"


def test_percent():
    assert f.percent(0.821) == f"82,1{N}%"
    assert f.percent(0.5, 0) == f"50{N}%"
    assert f.percent(1) == f"100,0{N}%"
    assert f.percent(-0.086) == f"{M}8,6{N}%"


def test_points_singular_and_plural():
    assert f.points(3.2) == f"+3,2{N}points"
    assert f.points(-8.6) == f"{M}8,6{N}points"
    assert f.points(1.5) == f"+1,5{N}point"
    assert f.points(-1.96) == f"{M}2,0{N}points"  # shown 2,0: plural
    assert f.points(1.96, 0) == f"+2{N}points"
    assert f.points(0) == f"0,0{N}point"
    assert f.points(3.2, signed=False) == f"3,2{N}points"


def test_share_difference_is_in_points():
    assert f.share_difference(0.152, 0.12) == f"+3,2{N}points"
    assert f.share_difference(0.735, 0.821) == f"{M}8,6{N}points"


def test_euros_hours_millions():
    assert f.euros(12345.6) == f"12{N}346{N}€"
    assert f.euros(12345.6, 2) == f"12{N}345,60{N}€"
    assert f.millions_euros(1234567) == f"1,23{N}M€"
    assert f.hours(8585) == f"8{N}585{N}h"


def test_date():
    assert f.date(dt.date(2025, 3, 7)) == "07/03/2025"
    assert f.date(pd.Timestamp("2025-12-31 10:00")) == "31/12/2025"
    assert f.date("2026-12-06T13:03:18") == "06/12/2026"
    assert f.date(np.datetime64("2024-02-29")) == "29/02/2024"


def test_one_space_character_only():
    texts = [f.number(1234567, 2), f.percent(0.5), f.euros(1e6), f.points(12.5), f.hours(1e4)]
    assert all("\u00a0" not in t and " " not in t for t in texts)


def test_formatting_lives_in_one_module():
    """No other module of the package formats French numbers by hand (thousands separator, decimal comma), and
    purchases.py no longer takes its formats from report.py (a link of the import loop)."""
    import re
    from pathlib import Path

    package = Path(f.__file__).parent.parent
    hand_made = re.compile(r"""\.replace\(\s*["'],["']\s*,\s*["'](\\u202f|\\u00a0|\\xa0| )["']\)|:,\.\d+f\}|:,d\}""")
    offenders = [p.name for p in package.rglob("*.py")
                 if p.name not in ("formatting.py", "samples.py", "safe_output.py")  # samples: input files; safe_output: widths
                 and hand_made.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    purchases = (package / "indicators" / "purchases.py").read_text(encoding="utf-8")
    import ast

    imported = [n.module or "" for n in ast.walk(ast.parse(purchases)) if isinstance(n, ast.ImportFrom)]
    assert imported and not [m for m in imported if m.endswith("report")]
