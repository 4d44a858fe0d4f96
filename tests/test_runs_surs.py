"""Safe runs: never overwritten, no collision, an interrupted run stays visibly incomplete,
inputs only read, nothing written outside the reports folder."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from diversification.run import runner
from diversification.inputs.errors import KitError
from diversification.inputs.paths import TERRITOIRES_DIR

PARAMS = 'territoire = ""  # dossier\nannee = 2025  # année\ndossier_run = ""  # run'


def make_notebook(folder: Path, name: str, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, folder / f"{name}.ipynb")


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def territory(tmp_path):
    folder = tmp_path / "terr"
    folder.mkdir()
    (folder / "territoire.yaml").write_text('nom: "Sûr"\nidentifiant: sur\nannee: 2024\n', encoding="utf-8")
    return folder


@pytest.fixture
def fast(tmp_path):
    folder = tmp_path / "rapide"
    folder.mkdir()
    make_notebook(folder, "00_controle_donnees",
                  "import os\nfrom pathlib import Path\nPath(dossier_run, 'pid.txt').write_text(str(os.getpid()))")
    return folder


def etude(territory: Path, reports: Path, notebooks: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "diversification", "etude", "--territoire", str(territory), "--rapports", str(reports),
         "--notebooks", str(notebooks)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_runs_never_overwrite_each_other(territory, fast, tmp_path):
    reports = tmp_path / "r"
    first = runner.run_study(territory, reports_dir=reports, notebooks_dir=fast)
    before = tree_hashes(first.run_dir)
    second = runner.run_study(territory, reports_dir=reports, notebooks_dir=fast)
    assert second.run_dir != first.run_dir and second.run_dir.parent == first.run_dir.parent
    assert tree_hashes(first.run_dir) == before


def test_two_processes_started_together_never_collide(territory, fast, tmp_path):
    reports = tmp_path / "r"
    procs = [etude(territory, reports, fast) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    runs = sorted(p for p in (reports / "sur" / "2024").iterdir())
    assert len(runs) == 2 and not any(p.name.startswith(".") for p in runs)
    manifests = [json.loads((r / "manifest.json").read_text(encoding="utf-8")) for r in runs]
    assert {m["run_id"] for m in manifests} == {r.name for r in runs}
    assert all(m["statut"] == "terminé" for m in manifests)
    # each run wrote in its own folder (two kernels, two pid files)
    assert len({(r / "pid.txt").read_text() for r in runs}) == 2


def test_killed_run_stays_incomplete_and_the_next_one_works(territory, fast, tmp_path):
    reports = tmp_path / "r"
    previous = runner.run_study(territory, reports_dir=reports, notebooks_dir=fast)
    previous_hashes = tree_hashes(previous.run_dir)
    slow = tmp_path / "lent"
    slow.mkdir()
    make_notebook(slow, "00_controle_donnees",
                  "import time\nfrom pathlib import Path\nPath(dossier_run, 'commence.txt').write_text('oui')\n"
                  "time.sleep(60)")
    proc = etude(territory, reports, slow)
    year_dir = reports / "sur" / "2024"
    deadline = time.monotonic() + 40
    while not list(year_dir.glob(".*.en-cours/commence.txt")):
        assert proc.poll() is None and time.monotonic() < deadline, "the slow notebook never started"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    incomplete = list(year_dir.glob(".*.en-cours"))
    assert len(incomplete) == 1
    assert json.loads((incomplete[0] / "manifest.json").read_text(encoding="utf-8"))["statut"] == "en cours"
    # never renamed: the only finished run is the previous one, untouched
    assert [p for p in year_dir.iterdir() if not p.name.startswith(".")] == [previous.run_dir]
    assert tree_hashes(previous.run_dir) == previous_hashes
    after = etude(territory, reports, fast)
    output = after.communicate(timeout=60)[0]
    assert after.returncode == 0, output
    assert len([p for p in year_dir.iterdir() if not p.name.startswith(".")]) == 2
    assert incomplete[0].exists()  # left for the facilitator to see, never reused


@pytest.mark.e2e
def test_inputs_are_only_read(tmp_path):
    territory = tmp_path / "rural"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    (territory / ".sel_pseudonymisation").unlink(missing_ok=True)
    before = tree_hashes(territory)
    result = runner.run_study(territory, 2025, reports_dir=tmp_path / "r", phases=["00_controle_donnees"])
    assert result.status == "terminé", result.message
    after = tree_hashes(territory)
    created = set(after) - set(before)
    assert created <= {".sel_pseudonymisation"}  # the salt, on first use only
    assert {k: v for k, v in after.items() if k in before} == before
    salt = after.get(".sel_pseudonymisation")
    runner.run_study(territory, 2025, reports_dir=tmp_path / "r", phases=["00_controle_donnees"])
    assert tree_hashes(territory) == after and tree_hashes(territory).get(".sel_pseudonymisation") == salt


def test_nothing_can_be_written_outside_the_reports_folder(territory, fast, tmp_path, monkeypatch):
    reports = tmp_path / "r"
    outside = sorted(p.name for p in tmp_path.iterdir())
    # a territory identifier trying to leave the folder
    (territory / "territoire.yaml").write_text('nom: "X"\nidentifiant: ../../dehors\nannee: 2024\n', encoding="utf-8")
    with pytest.raises(KitError):
        runner.run_study(territory, reports_dir=reports, notebooks_dir=fast)
    (territory / "territoire.yaml").write_text('nom: "X"\nidentifiant: sur\nannee: 2024\n', encoding="utf-8")
    # a run id trying to leave the folder (absolute path, parent, separator)
    for bad in ("../../dehors", "/tmp/dehors", "a/b", ".."):
        monkeypatch.setattr(runner, "new_run_id", lambda now=None, bad=bad: bad)
        with pytest.raises(KitError, match="Nom refusé"):
            runner.run_study(territory, reports_dir=reports, notebooks_dir=fast)
    assert sorted(p.name for p in tmp_path.iterdir()) == outside
    assert not Path("/tmp/dehors").exists()
    assert not reports.exists() or not any(reports.rglob("*"))


def test_cli_etude_failure_names_notebook_and_cell_and_keeps_it(territory, tmp_path):
    from typer.testing import CliRunner

    from diversification.run.cli import app

    folder = tmp_path / "casse"
    folder.mkdir()
    make_notebook(folder, "00_controle_donnees", "raise ValueError('colonne manquante')")
    result = CliRunner().invoke(app, ["etude", "--territoire", str(territory), "--rapports", str(tmp_path / "r"),
                                      "--notebooks", str(folder)])
    assert result.exit_code == 1
    text = result.output.replace("\n", " ")
    assert "Échec du notebook « 00_controle_donnees »" in text and "cellule n° 3" in text
    assert "colonne manquante" in text and "statut « échec »" in text and "Traceback" not in text
    run_dir = next((tmp_path / "r" / "sur" / "2024").iterdir())
    assert (run_dir / "notebooks" / "00_controle_donnees.ipynb").exists()
    assert json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))["notebooks"][0]["cellule"] == 3
    missing = CliRunner().invoke(app, ["etude", "--territoire", str(tmp_path / "absent"), "--rapports", str(tmp_path / "r2")])
    assert missing.exit_code == 2 and "introuvable" in missing.output and not (tmp_path / "r2").exists()
