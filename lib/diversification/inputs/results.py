"""What a loader returns: the valid rows and the rejection report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diversification.inputs.errors import ACTION_DUPLICATE_REMOVED, ACTION_ROW_REJECTED, RejectionLog


@dataclass
class LoadResult:
    """Valid rows of one input, plus everything that was rejected or flagged.

    ``rows_read`` counts the data rows (or DECP contracts) found in the files;
    ``rows_read == len(table) + rows rejected`` (duplicates count as rejected).
    ``notices`` are French sentences for the facilitator (file-level facts:
    encoding detected, sheet chosen, column ignored...).
    """

    input_key: str
    table: pd.DataFrame
    rejects: RejectionLog
    files: list[Path] = field(default_factory=list)
    rows_read: int = 0
    notices: list[str] = field(default_factory=list)
    status: str = "chargée"  # "chargée", "absente", "illisible"

    @property
    def rows_accepted(self) -> int:
        return len(self.table)

    @property
    def rows_rejected(self) -> int:
        """Distinct rows rejected or removed as duplicates."""
        removed = (ACTION_ROW_REJECTED, ACTION_DUPLICATE_REMOVED)
        return len({(r["fichier"], r["ligne"]) for r in self.rejects.records if r["action"] in removed})
