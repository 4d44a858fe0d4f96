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


def _frame_key(frame: pd.DataFrame | pd.Series) -> tuple:
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    values = pd.util.hash_pandas_object(frame, index=True, categorize=False).to_numpy()
    digest = hashlib.blake2b(values.tobytes(), digest_size=16).hexdigest()
    return ("frame", tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), str(frame.index.dtype),
            len(frame), digest)


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

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            key = (function.__module__, function.__qualname__, fingerprint(args), fingerprint(sorted(kwargs.items())))
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
