"""Paths anchored on the package, never on the caller's working directory.

Two layouts, one set of names:

* **checkout** (editable install, ``make install``): the data files are those of the repository, the single
  source: ``notebooks/``, ``data_samples/referentiels/``, ``data_samples/territoires/``; runs go to ``reports/``;
* **installed** (a wheel): the build copies those files into the package, under ``diversification/kit/``, laid
  out as in the checkout (``kit/notebooks``, ``kit/data_samples/...``: the notebooks' default territory
  ``../data_samples/territoires/metropole-exemple`` is found the same way). Nothing under ``kit/`` is committed:
  ``lib/build_kit_data.py`` copies it at build time. Runs then go to ``reports/`` of the working directory,
  ``diversification exemples`` writes to ``territoires/`` of the working directory, and the cache of the
  national DECP file lives in the user's cache folder (never inside the installed package).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: Where the build puts the data files inside an installed package.
KIT_DATA_DIR = PACKAGE_DIR / "kit"
DEFAULT_TERRITORY = "metropole-exemple"


def is_checkout(root: Path) -> bool:
    """Whether ``root`` is the repository this package is imported from (``lib/diversification`` under it)."""
    return ((root / "pyproject.toml").is_file() and (root / "data_samples" / "referentiels").is_dir()
            and (root / "lib" / "diversification").is_dir())


#: The kit is used from a checkout (else from an installed wheel).
FROM_CHECKOUT = is_checkout(PACKAGE_DIR.parent.parent)
#: Root of the data files: the repository in a checkout, ``diversification/kit`` once installed.
ROOT_DIR = PACKAGE_DIR.parent.parent if FROM_CHECKOUT else KIT_DATA_DIR
NOTEBOOKS_DIR = ROOT_DIR / "notebooks"
DATA_SAMPLES_DIR = ROOT_DIR / "data_samples"
REFERENTIELS_DIR = DATA_SAMPLES_DIR / "referentiels"
#: The sample territories shipped with the kit.
TERRITOIRES_DIR = DATA_SAMPLES_DIR / "territoires"
#: Where runs are written by default.
REPORTS_DIR = ROOT_DIR / "reports" if FROM_CHECKOUT else Path.cwd() / "reports"
#: Where ``diversification exemples`` writes the sample territories by default.
EXAMPLES_DIR = TERRITOIRES_DIR if FROM_CHECKOUT else Path.cwd() / "territoires"


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "diversification"


def decp_cache_dir() -> Path:
    """Cache of the national DECP file's territory extracts: ``reports/.cache_decp`` in a checkout, the user's
    cache folder once installed (read at call time: :data:`REPORTS_DIR` may be set by a test)."""
    return REPORTS_DIR / ".cache_decp" if FROM_CHECKOUT else _user_cache() / "decp"
