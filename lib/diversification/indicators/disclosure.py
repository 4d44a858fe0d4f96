"""Statistical disclosure control of every published table (« secret statistique »).

Every table, chart or sentence of the kit that shows counts of participants goes
through this module. The rules, applied with a threshold ``s`` (5 by default,
the territory configuration may set another value):

1. **Primary suppression.** A count ``c`` with ``1 <= c < s`` is hidden. Zeros
   are shown (a zero reveals nobody). Totals are counts too.
2. **Secondary suppression.** A line of a table (a 1-D frequency table with a
   published total, a row or a column of a cross-table with margins, the margin
   row and column themselves) obeys ``total = sum(cells)``: if exactly one of its
   cells (the total included) is hidden, it could be recomputed. Then the
   smallest other non-zero published cell of the line is hidden too; when the
   other cells are all zeros, the total is hidden instead. This is repeated
   until no line has exactly one hidden cell. Ties are broken by position (first
   row, then first column), so the result is deterministic.
3. **Derived values.** Shares, means, hours... computed from a hidden count are
   hidden too (:func:`hide_derived`; ``derived_cols`` and ``derived`` arguments).
   For hours, pass the hours table as a derived table of the participant counts.

Hidden cells are ``pd.NA`` in :attr:`DisclosedTable.table` (nullable dtypes);
:meth:`DisclosedTable.for_display` shows them as :data:`SECRET_LABEL`.

Why a small implementation rather than a library: the reference tools of
official statistics (Tau-Argus, R's sdcTable and GaussSuppression) are Java or R
programs. Their Python front-end ``pytauargus`` is young (0.x releases), ships a
native engine and the HiGHS solver inside its wheels, documents that concurrent
calls in one process are not validated, and is not in the kit's dependencies;
it computes optimal suppression patterns that the kit's small tables (a few
categories crossed by a few others) do not need. The rule above is simple to
state, to explain to a facilitator in the report and to test exhaustively
(hand-computed cases and property-based tests in ``tests/test_disclosure.py``).
It guarantees the constraints stated above; it does not compute a
minimum-loss pattern, nor audit the intervals of several linked tables
(publish each count once, or protect the linked tables together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Number

import numpy as np
import pandas as pd

from diversification.inputs.errors import ConfigError

#: What a hidden cell shows in a published table.
SECRET_LABEL = "secret statistique"
#: A count the input cannot give (a criterion missing from the job-seeker table): neither 0 nor secret.
UNMEASURABLE_LABEL = "non mesurable"
#: Default threshold (the territory configuration may pass another).
DEFAULT_THRESHOLD = 5
#: Label of the margins added by :func:`add_margins`.
TOTAL_LABEL = "Total"


@dataclass
class DisclosedTable:
    """A table after disclosure control.

    ``table`` has the shape of the input; hidden cells are ``pd.NA``.
    ``hidden`` is the boolean mask of hidden cells (same index and columns).
    ``rule`` is the French sentence to print under the table.
    ``derived`` holds protected derived tables (:func:`protect_crosstab`).
    ``total_hidden`` tells, for a frequency table whose total is published
    outside the table (``total=True`` and no ``total_row``), whether that total
    must be hidden too; it is None when it does not apply.
    """

    table: pd.DataFrame
    hidden: pd.DataFrame
    rule: str
    derived: dict[str, pd.DataFrame] = field(default_factory=dict)
    total_hidden: bool | None = None

    def for_display(self, derived: str | None = None) -> pd.DataFrame:
        """The table (or the derived table named ``derived``) with « secret statistique »."""
        if derived is None:
            values, mask = self.table, self.hidden
        else:
            values = self.derived[derived]
            mask = self.hidden.loc[values.index, values.columns]
        shown = values.astype(object)
        return shown.mask(mask.to_numpy(dtype=bool), SECRET_LABEL)

    @property
    def n_hidden(self) -> int:
        return int(self.hidden.to_numpy(dtype=bool).sum())


def describe_rule(threshold: int = DEFAULT_THRESHOLD, *, secondary: bool = True) -> str:
    """French sentence describing the rule, for the note under a table."""
    threshold = _check_threshold(threshold)
    text = (
        f"Les effectifs compris entre 1 et {threshold - 1} sont remplacés par "
        f"« {SECRET_LABEL} » (les zéros sont affichés)"
    )
    if secondary:
        text += (
            " ; lorsqu'une ligne ou une colonne dont le total est publié ne compte "
            "qu'une seule case masquée, la plus petite autre case non nulle est masquée "
            "aussi (le total, si les autres cases sont nulles), afin qu'aucune case "
            "masquée ne puisse être recalculée à partir des totaux"
        )
    text += " ; les parts, moyennes et heures calculées sur un effectif masqué sont masquées elles aussi."
    return text


def _check_threshold(threshold: object) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ConfigError(
            "Le seuil du secret statistique doit être un nombre entier supérieur ou égal à 1 "
            f"(valeur reçue : {threshold!r})."
        )
    return int(threshold)


def _count_values(values: pd.Series | pd.DataFrame, what: str) -> np.ndarray:
    """Counts as an int64 array; refuses missing, negative or fractional values."""
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    try:
        array = frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} : des effectifs ne sont pas numériques") from exc
    if np.isnan(array).any():
        raise ValueError(f"{what} : des effectifs sont manquants")
    if (array < 0).any() or (array != np.round(array)).any():
        raise ValueError(f"{what} : les effectifs doivent être des entiers positifs ou nuls")
    out = array.astype(np.int64)
    return out[:, 0] if isinstance(values, pd.Series) else out


def _suppress(
    values: list[int],
    lines: list[tuple[tuple[int, ...], int]],
    threshold: int,
) -> list[bool]:
    """Primary then secondary suppression on flat cells linked by ``total = sum(members)``."""
    hidden = [1 <= v < threshold for v in values]
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            if hidden[total] + sum(hidden[c] for c in members) != 1:
                continue
            candidates = [c for c in members if not hidden[c] and values[c] > 0]
            if candidates:
                pick = min(candidates, key=lambda c: (values[c], c))
            elif not hidden[total]:
                pick = total
            else:  # lone hidden total over zero cells: total is 0, never hidden
                continue
            hidden[pick] = True
            changed = True
    return hidden


def _nullable(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if pd.api.types.is_float_dtype(series.dtype):
        return series.astype("Float64")
    if pd.api.types.is_string_dtype(series.dtype) and not isinstance(series.dtype, pd.StringDtype):
        return series.astype(object)
    return series


def _hide(series: pd.Series, mask: np.ndarray) -> pd.Series:
    out = _nullable(series)
    if isinstance(out.dtype, pd.CategoricalDtype) or isinstance(out.dtype, pd.StringDtype):
        out = out.astype(object)
    return out.mask(mask, pd.NA)


def hide_derived(values: pd.DataFrame | pd.Series, hidden_mask: pd.DataFrame | pd.Series):
    """Hide the values derived from hidden counts (new object, nullable dtypes).

    * ``values`` and ``hidden_mask`` both frames: cell by cell; they must have
      the same index, and every column of ``values`` must be in the mask.
    * ``values`` a frame and ``hidden_mask`` a series: whole rows are hidden.
    * both series: element by element.

    Labels must match exactly: nothing is aligned silently.
    """
    if isinstance(hidden_mask, pd.DataFrame) and not isinstance(values, pd.DataFrame):
        raise TypeError("a DataFrame mask needs DataFrame values")
    if not values.index.equals(hidden_mask.index):
        raise ValueError("values and hidden_mask must have the same index")
    if isinstance(values, pd.Series):
        return _hide(values, hidden_mask.to_numpy(dtype=bool))
    out = {}
    for col in values.columns:
        if isinstance(hidden_mask, pd.DataFrame):
            if col not in hidden_mask.columns:
                raise ValueError(f"column {col!r} is not in hidden_mask")
            mask = hidden_mask[col].to_numpy(dtype=bool)
        else:
            mask = hidden_mask.to_numpy(dtype=bool)
        out[col] = _hide(values[col], mask)
    return pd.DataFrame(out, index=values.index, columns=values.columns)


def protect_frequencies(
    df: pd.DataFrame,
    count_col: str,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    derived_cols: tuple[str, ...] | list[str] = (),
    total: bool = True,
    total_row: object = None,
) -> DisclosedTable:
    """Protect a 1-D frequency table (one row per category, counts in ``count_col``).

    ``derived_cols`` (shares, hours, means of the row) are hidden with the count.
    ``total=True`` (default) means the total of the counts is published: either
    as the row labelled ``total_row`` of ``df`` (hidden in place if needed), or
    elsewhere (caption, chart, another table), in which case
    :attr:`DisclosedTable.total_hidden` says whether it may be published.
    With ``total=False`` (total published nowhere) only primary suppression applies.
    Other columns (labels) are never hidden.
    """
    threshold = _check_threshold(threshold)
    for col in (count_col, *derived_cols):
        if col not in df.columns:
            raise KeyError(col)
    if total_row is not None and total_row not in df.index:
        raise KeyError(total_row)
    if not df.index.is_unique:
        raise ValueError("the index of a frequency table must be unique")
    counts = _count_values(df[count_col], f"colonne « {count_col} »")
    positions = list(range(len(df)))
    lines: list[tuple[tuple[int, ...], int]] = []
    values = counts.tolist()
    external_total = False
    if total and total_row is not None:
        total_pos = df.index.get_loc(total_row)
        members = tuple(p for p in positions if p != total_pos)
        if values[total_pos] != sum(values[p] for p in members):
            raise ValueError("the total row is not the sum of the other rows")
        lines.append((members, total_pos))
    elif total:
        external_total = True
        values.append(int(sum(values)))
        lines.append((tuple(positions), len(values) - 1))
    hidden = _suppress(values, lines, threshold)
    row_hidden = np.array(hidden[: len(df)], dtype=bool)

    table = df.copy()
    table[count_col] = _hide(df[count_col].astype("Int64"), row_hidden)
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    mask[count_col] = row_hidden
    for col in derived_cols:
        table[col] = _hide(df[col], row_hidden)
        mask[col] = row_hidden
    secondary = bool(total)
    return DisclosedTable(
        table=table,
        hidden=mask,
        rule=describe_rule(threshold, secondary=secondary),
        total_hidden=bool(hidden[-1]) if external_total else None,
    )


def add_margins(counts: pd.DataFrame, label: str = TOTAL_LABEL) -> pd.DataFrame:
    """A count cross-table with a total row and a total column (``label``) added."""
    _count_values(counts, "tableau croisé")
    out = counts.copy()
    out[label] = counts.sum(axis=1)
    total_row = out.sum(axis=0).to_frame().T
    total_row.index = [label]
    out = pd.concat([out, total_row])
    return out.astype("Int64")


def protect_crosstab(
    counts: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    margins: bool = True,
    derived: dict[str, pd.DataFrame] | None = None,
) -> DisclosedTable:
    """Protect a cross-table of counts.

    ``margins=True`` (default): the last row and the last column of ``counts``
    are the totals, as built by ``pd.crosstab(..., margins=True)`` or
    :func:`add_margins`; they are checked, and protected like the other cells.
    ``margins=False``: no total of these rows or columns is published anywhere,
    so only primary suppression applies. If the totals appear elsewhere (another
    table, a chart), add the margins and use ``margins=True``.

    ``derived`` maps a name to a table of values computed from the counts
    (shares, hours, means) with the same index and a subset of the columns; each
    is returned, protected, in :attr:`DisclosedTable.derived`.
    """
    threshold = _check_threshold(threshold)
    values = _count_values(counts, "tableau croisé")
    n_rows, n_cols = values.shape
    lines: list[tuple[tuple[int, ...], int]] = []
    if margins:
        if n_rows < 2 or n_cols < 2:
            raise ValueError("a cross-table with margins needs at least one row and column besides the totals")
        interior = values[:-1, :-1]
        if not (
            np.array_equal(values[:-1, -1], interior.sum(axis=1))
            and np.array_equal(values[-1, :], values[:-1, :].sum(axis=0))
        ):
            raise ValueError("tableau croisé : la dernière ligne et la dernière colonne ne sont pas les totaux")

        def flat(i: int, j: int) -> int:
            return i * n_cols + j

        for i in range(n_rows):
            lines.append((tuple(flat(i, j) for j in range(n_cols - 1)), flat(i, n_cols - 1)))
        for j in range(n_cols):
            lines.append((tuple(flat(i, j) for i in range(n_rows - 1)), flat(n_rows - 1, j)))
    hidden = np.array(_suppress(values.ravel().tolist(), lines, threshold), dtype=bool).reshape(n_rows, n_cols)
    mask = pd.DataFrame(hidden, index=counts.index, columns=counts.columns)
    table = hide_derived(counts.astype("Int64"), mask)
    protected: dict[str, pd.DataFrame] = {}
    for name, frame in (derived or {}).items():
        if not frame.index.equals(counts.index):
            raise ValueError(f"derived table {name!r} must have the index of the counts")
        protected[name] = hide_derived(frame, mask)
    return DisclosedTable(
        table=table,
        hidden=mask,
        rule=describe_rule(threshold, secondary=margins),
        derived=protected,
    )


def _is_count_number(value: object) -> bool:
    return isinstance(value, (Number, np.number)) and not isinstance(value, (bool, np.bool_))


def check_no_small_counts(df: pd.DataFrame, count_cols: list[str] | tuple[str, ...], threshold: int) -> list[str]:
    """French description of every published count in ``[1, threshold - 1]`` (empty if none).

    Text cells (« secret statistique », labels) and missing values are skipped.
    Used by the test that scans every published table of a run.
    """
    threshold = _check_threshold(threshold)
    problems = []
    for col in count_cols:
        if col not in df.columns:
            raise KeyError(col)
        for label, value in zip(df.index, df[col].tolist()):
            if value is None or value is pd.NA or not _is_count_number(value):
                continue
            if value != value:  # NaN
                continue
            if 1 <= value < threshold:
                problems.append(
                    f"colonne « {col} », ligne « {label} » : effectif {value:g} inférieur au seuil "
                    f"du secret statistique ({threshold})"
                )
    return problems
