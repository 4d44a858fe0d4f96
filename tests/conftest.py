"""Shared fixtures: one full study per sample territory, run once per test session."""

from pathlib import Path

import pytest

from diversification.paths import TERRITOIRES_DIR

SAMPLES = ["metropole-exemple", "rural-exemple", "exports-bruts"]


@pytest.fixture(scope="session")
def sample_runs(tmp_path_factory) -> dict[str, Path]:
    """Run folder of a complete study of every sample territory (status checked)."""
    from diversification.runner import run_study

    reports = tmp_path_factory.mktemp("rapports")
    runs = {}
    for name in SAMPLES:
        result = run_study(TERRITOIRES_DIR / name, reports_dir=reports)
        assert result.status == "terminé", result.message
        runs[name] = result.run_dir
    return runs


def pytest_addoption(parser):
    parser.addoption("--regenerer-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/chiffres_cles_<territoire>.csv from the current code "
                          "(a deliberate change of result; see tests/golden/README.md).")
