"""Reading raw tables as they come from French exports.

CSV: encoding detected (UTF-8 with or without BOM, Windows-1252; other
encodings through charset-normalizer), separator sniffed among ``;``, ``,``,
tab and ``|``. Excel ``.xlsx``: the sheet that holds the expected columns is
chosen (not blindly the first one), merged header cells are unmerged, a cell
holding a formula is replaced by the value Excel cached for it (reported), or
treated as missing when no value was cached. Excel 97-2003 ``.xls`` and
OpenDocument ``.ods`` (LibreOffice) workbooks are read by calamine, the same
way (values as saved). The header is the row, among the first ten, that names
the most expected columns; title lines above it and note lines under the table
are left out, and said.

Everything is read as text; typed parsing happens in :mod:`loading`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diversification.inputs.errors import describe_lines, InputError, shorten
from diversification.inputs.parsing import normalize_header
from charset_normalizer import from_bytes
from openpyxl import load_workbook
from python_calamine import CalamineError, CalamineWorkbook
from zipfile import BadZipFile

SEPARATORS = [";", ",", "\t", "|"]
#: UTF-8 accents read as Windows-1252 (« Ã© » for « é »): the sign of a mixed-encoding file.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
#: Read by calamine (values only): Excel 97-2003 and OpenDocument (LibreOffice) workbooks.
SPREADSHEET_SUFFIXES = {".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass
class RawTable:
    """A table read as text, with the line number of every row in its file."""

    path: Path
    frame: pd.DataFrame  # all cells str (missing = "")
    lines: list[int]  # 1-based line (CSV) or row (Excel) of each data row
    notices: list[str] = field(default_factory=list)
    cell_notes: list[tuple[int, str, str, str]] = field(default_factory=list)  # (line, column, value, French reason)
    encoding: str = ""
    separator: str = ""
    sheet: str = ""


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass

    best = from_bytes(raw).best()
    if best is None:
        raise InputError("encodage de caractères non reconnu")
    return best.encoding


def sniff_separator(text: str) -> str:
    """The separator that splits the most lines of the first fifty into the same number of fields, weighted by that
    number (lines read as CSV: a separator inside quotes does not count), so that title or note lines above or under
    a table, a comma in them, do not outweigh it; ties go to the order of :data:`SEPARATORS`, « ; » when none splits."""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ";", 0
    for sep in SEPARATORS:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=sep) if len(row) > 1]
        except csv.Error:
            continue
        if not widths:
            continue
        width, lines = Counter(widths).most_common(1)[0]
        if (width - 1) * lines > best_score:
            best, best_score = sep, (width - 1) * lines
    return best


def read_delimited(path: Path, expected_columns: list[str] | None = None) -> RawTable:
    """Read a delimited text file; the header is the line, among the first ten, that names the most
    ``expected_columns`` (title lines above it and note lines under the table are left out, and said)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(f"Le fichier « {path.name} » est vide.")
    try:
        encoding = detect_encoding(raw)
    except InputError as exc:
        raise InputError(f"Le fichier « {path.name} » : {exc}.") from None
    text = raw.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    separator = sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(reader.line_num)
    if not rows:
        raise InputError(f"Le fichier « {path.name} » est vide.")
    start = _header_row(rows, expected_columns or [])
    header = [cell.strip() for cell in rows[start]]
    notices = _title_notice(path, lines[:start])
    rows, lines = rows[start + 1:], lines[start + 1:]
    rows, lines, note = _drop_notes(path, rows, lines, len(header))
    notices += note
    cell_notes = []
    if encoding == "cp1252":
        notices.append(f"« {path.name} » : encodage Windows-1252 détecté et converti.")
        if _MOJIBAKE.search(text):
            notices.append(
                f"« {path.name} » : le fichier mélange les encodages UTF-8 et Windows-1252 (par exemple « Ã© » au lieu "
                "de « é ») : certains accents sont mal lus ; réenregistrez le fichier en UTF-8."
            )
    width = len(header)
    fixed = []
    for row, line_no in zip(rows, lines):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            cell_notes.append(
                (line_no, "", separator.join(row[width:]), f"la ligne a {len(row)} champs pour {width} colonnes d'en-tête")
            )
        fixed.append((row + [""] * width)[:width])
    frame = pd.DataFrame(fixed, columns=_unique(header), dtype=object)
    if len(header) == 1 and len(text.splitlines()) > 1:
        notices.append(
            f"« {path.name} » : une seule colonne lue ; le séparateur attendu est le point-virgule, la virgule ou la tabulation."
        )
    return RawTable(path, frame, lines, notices, cell_notes, encoding=encoding, separator=separator)


def read_excel(path: Path, expected_columns: list[str] | None = None) -> RawTable:
    """Read the sheet of an ``.xlsx`` workbook that holds the expected columns."""
    try:
        wb_formulas = load_workbook(path, data_only=False)
        wb_values = load_workbook(path, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"Le fichier « {path.name} » n'est pas un classeur Excel lisible ({type(exc).__name__}).") from None
    sheet_name = _choose_sheet({ws.title: ws.iter_rows(max_row=10, values_only=True) for ws in wb_formulas.worksheets},
                               expected_columns or [])
    ws_f = wb_formulas[sheet_name]
    ws_v = wb_values[sheet_name]
    merged = [(rng.min_row, rng.min_col, rng.max_row, rng.max_col, str(rng)) for rng in ws_f.merged_cells.ranges]
    grid_f = [list(r) for r in ws_f.iter_rows(values_only=True)]
    grid_v = [list(r) for r in ws_v.iter_rows(values_only=True)]
    return _from_grid(path, grid_v, expected_columns or [], sheet_name, wb_formulas.sheetnames, merged, grid_f)


def read_spreadsheet(path: Path, expected_columns: list[str] | None = None) -> RawTable:
    """Read the sheet of an Excel 97-2003 (``.xls``) or OpenDocument (``.ods``, LibreOffice) workbook that holds
    the expected columns, by calamine (the values saved in the file; merged cells unmerged as in ``.xlsx``)."""
    kind = "OpenDocument" if path.suffix.lower() == ".ods" else "Excel 97-2003"
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = {name: workbook.get_sheet_by_name(name) for name in workbook.sheet_names}
        grids = {name: [list(r) for r in sheet.to_python(skip_empty_area=False)] for name, sheet in sheets.items()}
    except (CalamineError, OSError, ValueError) as exc:
        raise InputError(f"Le fichier « {path.name} » n'est pas un classeur {kind} lisible ({type(exc).__name__}).") from None
    sheet_name = _choose_sheet({name: grid[:10] for name, grid in grids.items()}, expected_columns or [])
    merged = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1, f"{_column_letter(c0)}{r0 + 1}:{_column_letter(c1)}{r1 + 1}")
              for (r0, c0), (r1, c1) in (sheets[sheet_name].merged_cell_ranges or []) if (r0, c0) != (r1, c1)]
    return _from_grid(path, grids[sheet_name], expected_columns or [], sheet_name, list(grids), merged)


def _column_letter(index: int) -> str:
    """0 → « A », 26 → « AA » (as a spreadsheet names its columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _from_grid(path: Path, grid_v: list[list], expected_columns: list[str], sheet_name: str, sheet_names: list[str],
               merged: list[tuple[int, int, int, int, str]], grid_f: list[list] | None = None) -> RawTable:
    """The table of one sheet (cell values ``grid_v``, formulas ``grid_f`` when the format keeps them; merged ranges
    as 1-based ``(first row, first column, last row, last column, name)``): header row found among the first ten,
    merged cells unmerged, title lines and notes left out, every step said in a French notice."""
    notices: list[str] = []
    if len(sheet_names) > 1:
        others = [s for s in sheet_names if s != sheet_name]
        notices.append(
            f"« {path.name} » : classeur à {len(sheet_names)} feuilles ; feuille lue : « {sheet_name} » "
            f"(ignorées : {', '.join('« ' + s + ' »' for s in others)})."
        )
    grid_f = grid_f or []
    for r0, c0, r1, c1, _ in merged:
        top_left = grid_v[r0 - 1][c0 - 1] if r0 - 1 < len(grid_v) and c0 - 1 < len(grid_v[r0 - 1]) else None
        for row in range(r0, r1 + 1):
            for col in range(c0, c1 + 1):
                if row - 1 < len(grid_v) and col - 1 < len(grid_v[row - 1]):
                    grid_v[row - 1][col - 1] = top_left
    header_idx = _header_row(grid_v, expected_columns)
    if header_idx is None:
        raise InputError(f"Le fichier « {path.name} » est vide (feuille « {sheet_name} »).")
    header_cells = grid_v[header_idx]
    header_merged = [name for r0, _, r1, _, name in merged if r0 <= header_idx + 1 <= r1]
    if header_merged:
        notices.append(
            f"« {path.name} » : cellules d'en-tête fusionnées ({', '.join(header_merged)}) défusionnées ; "
            "chaque colonne reprend le libellé de la cellule fusionnée."
        )
    # Two header cells with the same merged label: suffixed so both columns survive.
    header = _unique([_cell_text(v).strip() for v in header_cells])
    notices += _title_notice(path, [i + 1 for i in range(header_idx) if any(_cell_text(v).strip() for v in grid_v[i])])
    rows, lines, cell_notes = [], [], []
    for i in range(header_idx + 1, len(grid_v)):
        values = grid_v[i]
        formulas = grid_f[i] if i < len(grid_f) else []
        if not any(_cell_text(v).strip() for v in values) and not any(
            isinstance(f, str) and f.startswith("=") for f in formulas
        ):
            continue
        out = []
        for j, name in enumerate(header):
            value = values[j] if j < len(values) else None
            formula = formulas[j] if j < len(formulas) else None
            if isinstance(formula, str) and formula.startswith("="):
                if value is None:
                    cell_notes.append((i + 1, name, formula, "formule sans valeur calculée enregistrée : cellule considérée vide"))
                else:
                    cell_notes.append((i + 1, name, formula, f"formule remplacée par sa valeur calculée ({value})"))
            out.append(_cell_text(value))
        rows.append(out)
        lines.append(i + 1)
    rows, lines, note = _drop_notes(path, rows, lines, len(header))
    notices += note
    cell_notes = [n for n in cell_notes if n[0] in set(lines)]
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header, dtype=object)
    return RawTable(path, frame, lines, notices, cell_notes, sheet=sheet_name)


def read_raw_table(path: Path, expected_columns: list[str] | None = None) -> RawTable:
    """Read a CSV/TXT/TSV or XLSX file as text. Raises :class:`InputError` (French) when unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"Le fichier « {path} » est introuvable.")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, expected_columns)
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(path, expected_columns)
    return read_delimited(path, expected_columns)


def _title_notice(path: Path, title_lines: list[int]) -> list[str]:
    """French notice of the lines read above the header (titles of a published table)."""
    if not title_lines:
        return []
    return [f"« {path.name} » : {len(title_lines)} ligne(s) de titre avant la ligne d'en-tête ignorée(s) "
            f"({describe_lines(title_lines)})."]


#: Longest quote of a note line in a notice.
_NOTE_QUOTE = 80


def _drop_notes(path: Path, rows: list[list], lines: list[int], width: int) -> tuple[list[list], list[int], list[str]]:
    """Leave out the note lines under a table (« Source : … », « Champ : … »): the last rows, each with one
    non-empty cell at most, of a table of two columns or more; said in a French notice that quotes the first.
    A row of one cell among data rows stays (it is rejected, with its line, by the loader)."""
    end = len(rows)
    if width < 2:
        return rows, lines, []
    while end and sum(1 for cell in rows[end - 1] if _cell_text(cell).strip()) <= 1:
        end -= 1
    if end == len(rows):
        return rows, lines, []
    quote = shorten(next(_cell_text(c).strip() for c in rows[end] if _cell_text(c).strip()), _NOTE_QUOTE)
    notice = (f"« {path.name} » : {len(rows) - end} ligne(s) de notes sous le tableau ignorée(s) "
              f"({describe_lines(lines[end:])}), par exemple « {quote} ».")
    return rows[:end], lines[:end], [notice]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"colonne_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _score_header(cells: list[object], expected: set[str]) -> int:
    return sum(1 for c in cells if c is not None and normalize_header(c) in expected)


def _choose_sheet(first_rows: dict[str, object], expected_columns: list[str]) -> str:
    """The sheet (name → its first rows) whose first ten rows name the most expected columns; the first on a tie."""
    expected = {normalize_header(c) for c in expected_columns}
    best, best_score = next(iter(first_rows)), -1
    for name, rows in first_rows.items():
        score = max((_score_header(list(row), expected) for row in list(rows)[:10]), default=0)
        if score > best_score:
            best, best_score = name, score
    return best


def _header_row(grid: list[list[object]], expected_columns: list[str]) -> int | None:
    expected = {normalize_header(c) for c in expected_columns}
    best_idx, best_score = None, -1
    for idx, row in enumerate(grid[:10]):
        if not any(v is not None and str(v).strip() for v in row):
            continue
        score = _score_header(row, expected)
        if best_idx is None or score > best_score:
            best_idx, best_score = idx, score
        if not expected:
            break
    return best_idx
