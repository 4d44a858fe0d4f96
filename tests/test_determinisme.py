"""Same inputs and parameters → byte-identical tables; inputs never modified."""

import hashlib
from pathlib import Path

import pytest

from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.inputs.pseudonymisation import SALT_FILE_NAME
from diversification.run.runner import run_study

pytestmark = pytest.mark.e2e


def digests(run_dir: Path) -> dict[str, str]:
    out = {}
    for path in sorted(run_dir.rglob("*")):
        # The report's HTML/PDF name their run (id, date, durations from the manifest): not compared.
        if path.is_file() and path.suffix in {".parquet", ".csv", ".html", ".xlsx"} and path.relative_to(run_dir).as_posix() != "rapport/rapport.html":
            out[path.relative_to(run_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def territory_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != SALT_FILE_NAME}


def test_two_runs_give_identical_tables_and_leave_inputs_untouched(sample_runs, tmp_path):
    territory = TERRITOIRES_DIR / "rural-exemple"
    before = territory_hashes(territory)
    first = sample_runs["rural-exemple"]
    second = run_study(territory, reports_dir=tmp_path).run_dir
    assert territory_hashes(territory) == before
    a, b = digests(first), digests(second)
    assert (first / "rapport" / "rapport.xlsx").exists()
    assert len(a) > 20
    assert a == b
