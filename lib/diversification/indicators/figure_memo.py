"""Charts drawn once per study: a chart function called again with inputs of the same content returns the
figure it already built, and a figure is rendered to PNG once per resolution.

A phase notebook draws a chart from its in-memory tables and shows it; the same phase then draws the report's
charts (``publish.report.publish_section_charts``) from the tables it has just published, which normally hold the
same values. With :func:`remembered` on the chart functions, the second call finds the figure of the first (the
inputs are compared by content: columns, dtypes, index and values), and :func:`png_bytes` returns the PNG already
rendered when the notebook showed it at the report's resolution. Inputs whose content differs in any way draw a new
figure, so what is drawn is always what the inputs say.

The memory holds the figures of one study: the kernel engine calls :func:`forget` when a new study starts
(:mod:`diversification.run.engine`), and at most :data:`MAX_FIGURES` figures are kept.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
from collections import OrderedDict

import pandas as pd

#: Figures kept at most (oldest dropped first); a study draws about fifteen.
MAX_FIGURES = 48
#: Attribute of a figure holding its rendered PNG, by resolution.
_PNG_ATTRIBUTE = "_diversification_png"

_figures: OrderedDict = OrderedDict()
#: Calls answered from memory / drawn (for tests and benchmarks).
stats = {"reused": 0, "drawn": 0}


class _Unhashable(Exception):
    pass


def _dtype_key(column: pd.Series) -> str:
    """The column's dtype, text columns alike whether stored as ``object`` or as pandas strings (a table read back
    from Parquet holds the same labels as the one the notebook built, and a chart draws them the same)."""
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
            return "texte"
    return str(column.dtype)


def _frame_key(frame: pd.DataFrame | pd.Series) -> tuple:
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    values = pd.util.hash_pandas_object(frame, index=True, categorize=False).to_numpy()
    digest = hashlib.blake2b(values.tobytes(), digest_size=16).hexdigest()
    dtypes = tuple(_dtype_key(frame.iloc[:, i]) for i in range(frame.shape[1]))
    return ("frame", tuple(map(str, frame.columns)), dtypes, _dtype_key(frame.index.to_series()), len(frame), digest)


def fingerprint(value: object) -> tuple:
    """A key equal for two inputs of the same content (``_Unhashable`` for a value it cannot compare)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return (type(value).__name__, value)
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return _frame_key(value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((fingerprint(k), fingerprint(v)) for k, v in value.items()))
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return (type(value).__qualname__, tuple((name, fingerprint(getattr(value, name))) for name in fields))
    raise _Unhashable(type(value).__name__)


def remembered(function):
    """Decorator of a chart function: the result of an earlier call with inputs of the same content, else a new
    drawing (remembered)."""

    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()  # f(t) and f(t, 5) with 5 the default are the same drawing
            key = (function.__module__, function.__qualname__, fingerprint(list(bound.arguments.items())))
        except _Unhashable:
            stats["drawn"] += 1
            return function(*args, **kwargs)
        if key in _figures:
            _figures.move_to_end(key)
            stats["reused"] += 1
            return _figures[key]
        result = function(*args, **kwargs)
        stats["drawn"] += 1
        _figures[key] = result
        while len(_figures) > MAX_FIGURES:
            _figures.popitem(last=False)
        return result

    return wrapper


def forget() -> None:
    """Drop every remembered figure (a new study starts)."""
    _figures.clear()


def png_bytes(figure, dpi: int) -> bytes:
    """``figure`` as PNG at ``dpi`` (no tight bounding box: the kit's charts are laid out when drawn, and a
    tight box costs a second full draw), rendered once and kept on the figure."""
    rendered = getattr(figure, _PNG_ATTRIBUTE, None)
    if rendered is None:
        rendered = {}
        setattr(figure, _PNG_ATTRIBUTE, rendered)
    if dpi not in rendered:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        rendered[dpi] = buffer.getvalue()
    return rendered[dpi]
