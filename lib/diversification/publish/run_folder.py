"""Reading a run folder: its status and the latest finished run of a year (docs/ARCHITECTURE.md).

The report, ``comparer`` and the batch read finished runs; only the runner writes their status.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Statuses of a run (``statut`` of ``manifest.json``) and of each of its notebooks.
STATUS_RUNNING = "en cours"
STATUS_DONE = "terminé"
STATUS_FAILED = "échec"


def latest_finished_run(year_folder: str | Path) -> Path | None:
    """The latest finished run (manifest « terminé ») in ``reports/<territoire>/<année>/``, or ``None`` (runs in
    progress, failed or with an unreadable manifest are skipped)."""
    folder = Path(year_folder)
    if not folder.is_dir():
        return None
    for run_dir in sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True):
        try:
            manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("statut") == STATUS_DONE:
            return run_dir
    return None
