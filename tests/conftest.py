"""Shared fixtures: one full study per sample territory, run once per test session."""

import shutil
from pathlib import Path

import pytest

from diversification.inputs.paths import TERRITOIRES_DIR

SAMPLES = ["metropole-exemple", "rural-exemple", "exports-bruts"]


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory) -> dict[str, Path]:
    """Run folder of a complete study of every sample territory (status checked)."""
    from diversification.run.runner import run_study

    reports = tmp_path_factory.mktemp("rapports")
    runs = {}
    for name in SAMPLES:
        result = run_study(TERRITOIRES_DIR / name, reports_dir=reports)
        assert result.status == "terminé", result.message
        runs[name] = result.run_dir
    return runs


#: System programs (Debian packages, not pip) that some tests run: program -> (apt-get line, what is not checked).
#: ``.ci/run`` installs them; on a machine without them, the tests marked ``programme_systeme`` skip with this reason.
SYSTEM_PROGRAMS = {
    "chromium": ("apt-get install chromium", "rendu du rapport dans un vrai navigateur non vérifié"),
    "pdftoppm": ("apt-get install poppler-utils", "pages du PDF non vérifiées"),
}


def system_program_skip_reason(name: str) -> str:
    """The French reason of a skipped test that needs the system program ``name``."""
    install, unchecked = SYSTEM_PROGRAMS[name]
    return f"programme système {name} absent : installez-le avec « {install} » ; {unchecked}"


def pytest_runtest_setup(item):
    for marker in item.iter_markers("programme_systeme"):
        name = marker.args[0]
        if name not in SYSTEM_PROGRAMS:
            raise pytest.UsageError(f"programme système inconnu de tests/conftest.py (SYSTEM_PROGRAMS) : {name}")
        if shutil.which(name) is None:
            pytest.skip(system_program_skip_reason(name))


def pytest_addoption(parser):
    parser.addoption("--regenerer-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/chiffres_cles_<territoire>.csv from the current code "
                          "(a deliberate change of result; see tests/golden/README.md).")
