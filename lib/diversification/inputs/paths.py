"""Paths anchored on the package, never on the caller's working directory."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Repository root when the kit is used from a checkout (editable install).
ROOT_DIR = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = ROOT_DIR / "notebooks"
DATA_SAMPLES_DIR = ROOT_DIR / "data_samples"
REFERENTIELS_DIR = DATA_SAMPLES_DIR / "referentiels"
TERRITOIRES_DIR = DATA_SAMPLES_DIR / "territoires"
REPORTS_DIR = ROOT_DIR / "reports"
DEFAULT_TERRITORY = "metropole-exemple"
