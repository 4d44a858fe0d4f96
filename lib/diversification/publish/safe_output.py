"""Writing published files safely: CSV, Parquet and Excel, and paths under ``reports/``.

* Spreadsheet formula injection (OWASP « CSV injection »): a text cell that
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
  with ``'`` in CSV files (:func:`neutralize_formulas`), so that Excel or
  LibreOffice treat it as text. In Excel workbooks every text cell is written as
  a string cell (never a formula, a URL or a number), so the text is kept as is.
* French spreadsheets: CSV in UTF-8 with BOM, ``;`` separator and decimal comma,
  which French Excel opens with a double click.
* Determinism: the same table gives the same bytes (CSV, Parquet, Excel).
* :func:`safe_join` refuses any path part that could leave the output folder.

Tables are written as given: disclosure control (:mod:`diversification.indicators.disclosure`)
is applied before, by the caller. A table whose index carries labels (a
cross-table) is written with its index as first column(s); a default
``RangeIndex`` is not written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from diversification.inputs.errors import InputError
import xlsxwriter

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Excel number formats available through ``write_excel(formats=...)``.
NUMBER_FORMATS = {
    "euro": '#,##0.00 "€"',
    "euro_entier": '#,##0 "€"',
    "pourcent": "0.0%",
    "entier": "#,##0",
    "decimal": "#,##0.00",
}
DATE_FORMAT = "dd/mm/yyyy"

#: Fixed creation date of the workbooks, so that the same tables give the same bytes.
_WORKBOOK_CREATED = dt.datetime(2000, 1, 1)
_SAFE_PART = re.compile(r"^[A-Za-z0-9._-]+$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_SHEET_NAME = 31
_MIN_WIDTH, _MAX_WIDTH = 6, 60


# --- formulas -----------------------------------------------------------------------


def neutralize_text(value: object) -> object:
    """``'`` + text when a text value starts like a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _flatten_index(df: pd.DataFrame) -> pd.DataFrame:
    """Index labels as columns, unless the index is the default 0..n-1 range."""
    index = df.index
    is_default = (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and all(name is None for name in index.names)
    )
    if is_default:
        return df
    out = df.copy()
    if isinstance(out.index, pd.MultiIndex):
        out.index.names = [n if n is not None else f"niveau_{i}" for i, n in enumerate(out.index.names)]
    elif out.index.name is None:
        out.index.name = "" if "" not in out.columns else "index"
    return out.reset_index()


def _flat_columns(df: pd.DataFrame) -> list[str]:
    if isinstance(df.columns, pd.MultiIndex):
        return [" – ".join(str(p) for p in col if str(p) != "") for col in df.columns]
    return [str(col) for col in df.columns]


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """New table where text cells and headers that start like a formula begin with ``'``.

    Numbers are untouched (``-3`` stays the number -3); only text is changed.
    """
    result = df.copy()
    for position in range(df.shape[1]):
        series = df.iloc[:, position]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_datetime64_any_dtype(series.dtype):
            continue
        result.isetitem(position, series.astype(object).map(neutralize_text))
    if not isinstance(df.columns, pd.MultiIndex):
        result.columns = pd.Index([neutralize_text(c) for c in df.columns], dtype=object)
    return result


def _csv_text(value: object) -> object:
    """Floats of mixed (object) columns with a decimal comma, as pandas does for float columns."""
    if isinstance(value, (float, np.floating)) and not math.isnan(value):
        return repr(float(value)).replace(".", ",")
    return value


# --- CSV and Parquet --------------------------------------------------------------


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """French-Excel CSV (UTF-8 with BOM, ``;``, decimal comma), formulas neutralized."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = _flatten_index(df)
    table.columns = _flat_columns(table)
    table = neutralize_formulas(table)
    for position in range(table.shape[1]):
        if table.iloc[:, position].dtype == object:
            table.isetitem(position, table.iloc[:, position].map(_csv_text))
    text = table.to_csv(
        sep=";",
        decimal=",",
        index=False,
        lineterminator="\n",
        date_format="%Y-%m-%d",
    )
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    return path


def write_parquet(df: pd.DataFrame, path: Path, *, compression: str = "zstd") -> Path:
    """Parquet file with deterministic bytes (no index metadata, fixed compression).

    Values are written as they are (no formula neutralization: Parquet is read
    by programs, not opened by spreadsheets). Index labels become columns.
    The file's metadata names the pandas and pyarrow versions (no date), so the
    bytes are the same for the same table and the same library versions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = _flatten_index(df)
    table.columns = _flat_columns(table)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    pq.write_table(arrow, path, compression=compression)
    return path


# --- Excel --------------------------------------------------------------------------


def _sheet_names(names: list[str]) -> list[str]:
    """Excel-valid sheet names: forbidden characters replaced, 31 characters, unique."""
    used: set[str] = set()
    out = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", str(name)).strip().strip("'") or "Feuille"
        base = base[:_MAX_SHEET_NAME]
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            suffix = f" ({n})"
            candidate = base[: _MAX_SHEET_NAME - len(suffix)] + suffix
        used.add(candidate.lower())
        out.append(candidate)
    return out


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _display_width(value: object, kind: str | None) -> int:
    if _is_missing(value):
        return 0
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return 10
    if isinstance(value, (bool, np.bool_)):
        return 4
    if isinstance(value, (Number, np.number)):
        number = float(value)
        if kind in ("euro", "euro_entier", "entier", "decimal"):
            digits = f"{number:,.2f}" if kind in ("euro", "decimal") else f"{number:,.0f}"
            return len(digits) + (2 if kind.startswith("euro") else 0)
        if kind == "pourcent":
            return len(f"{number * 100:.1f}") + 1
        return len(f"{number:g}")
    return max(len(line) for line in str(value).split("\n"))


def write_excel(
    sheets: dict[str, pd.DataFrame],
    path: Path,
    *,
    formats: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Excel workbook, one sheet per table (keys: sheet names, cut to 31 and de-duplicated).

    Headers as given, bold, frozen first row and autofilter, column widths fitted
    to the content. ``formats`` maps a sheet name (key of ``sheets``) to
    ``{column: kind}`` with a kind of :data:`NUMBER_FORMATS` (``"euro"``,
    ``"pourcent"``...). Text cells are always string cells: a value such as
    ``=HYPERLINK(...)`` is shown as text, never evaluated.
    """
    formats = formats or {}
    for sheet, columns in formats.items():
        if sheet not in sheets:
            raise KeyError(f"formats: unknown sheet {sheet!r}")
        for col, kind in columns.items():
            if kind not in NUMBER_FORMATS:
                raise ValueError(f"formats: unknown kind {kind!r} for {col!r} (one of {sorted(NUMBER_FORMATS)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
        },
    )
    workbook.set_properties({"created": _WORKBOOK_CREATED})
    try:
        header_format = workbook.add_format({"bold": True, "text_wrap": False, "valign": "top"})
        cell_formats = {kind: workbook.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()}
        date_format = workbook.add_format({"num_format": DATE_FORMAT})
        for key, name in zip(sheets, _sheet_names(list(sheets))):
            _write_sheet(
                workbook.add_worksheet(name),
                _flatten_index(sheets[key]),
                formats.get(key, {}),
                header_format,
                cell_formats,
                date_format,
            )
    finally:
        workbook.close()
    return path


def _write_sheet(worksheet, df, kinds, header_format, cell_formats, date_format) -> None:
    headers = _flat_columns(df)
    original = [str(c) for c in df.columns]
    widths = [len(h) for h in headers]
    for j, header in enumerate(headers):
        worksheet.write_string(0, j, header, header_format)
    for j in range(df.shape[1]):
        kind = kinds.get(original[j]) or kinds.get(headers[j])
        number_format = cell_formats[kind] if kind else None
        for i, value in enumerate(df.iloc[:, j].tolist(), start=1):
            widths[j] = max(widths[j], _display_width(value, kind))
            if _is_missing(value):
                if number_format is not None:
                    worksheet.write_blank(i, j, None, number_format)
                continue
            if isinstance(value, str):
                worksheet.write_string(i, j, value)
            elif isinstance(value, (bool, np.bool_)):
                worksheet.write_boolean(i, j, bool(value))
            elif isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
                if isinstance(value, pd.Timestamp):
                    value = value.to_pydatetime()
                worksheet.write_datetime(i, j, value, date_format)
            elif isinstance(value, (Number, np.number)):
                number = float(value)
                if math.isinf(number):
                    worksheet.write_string(i, j, "∞" if number > 0 else "-∞")
                else:
                    worksheet.write_number(i, j, number, number_format)
            else:
                worksheet.write_string(i, j, str(value))
    for j, width in enumerate(widths):
        worksheet.set_column(j, j, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))
    if df.shape[1]:
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, max(len(df), 1), df.shape[1] - 1)


# --- paths --------------------------------------------------------------------------


def safe_join(base: Path, *parts: str) -> Path:
    """``base / part1 / part2 ...`` after checking that no part can leave ``base``.

    Each part must be a plain name of ASCII letters, digits, ``.``, ``_`` or
    ``-``, without ``..``; anything else (absolute path, separator, accent,
    empty name) raises :class:`InputError`.
    """
    base = Path(base)
    path = base
    for part in parts:
        if not isinstance(part, str) or not _SAFE_PART.match(part) or ".." in part or part == ".":
            raise InputError(
                f"Nom refusé pour un dossier ou un fichier de résultats : « {part} ». "
                "Seuls les lettres sans accent, les chiffres, le point, le tiret et le tiret bas "
                "sont admis, sans « .. » ni « / »."
            )
        path = path / part
    return path
