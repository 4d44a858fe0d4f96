"""Run folders: atomic creation, manifest, failure handling, no overwrite."""

import json
from pathlib import Path

import nbformat
import pytest

from diversification.run import runner
from diversification.inputs.errors import ConfigError

PARAMS = 'territoire = ""  # dossier\nannee = 2025  # année\ndossier_run = ""  # run'


def make_notebook(folder: Path, name: str, body: str, params: str = PARAMS) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture
def territory(tmp_path):
    folder = tmp_path / "terr"
    folder.mkdir()
    (folder / "territoire.yaml").write_text('nom: "Test"\nidentifiant: test\nannee: 2024\n', encoding="utf-8")
    (folder / "suivi_clauses.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    (folder / ".sel_pseudonymisation").write_text("00" * 32, encoding="utf-8")
    return folder


@pytest.fixture
def notebooks(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    make_notebook(folder, "00_controle_donnees",
                  "from pathlib import Path\nPath(dossier_run, 'ok.txt').write_text(str(annee))")
    make_notebook(folder, "01_etat_des_lieux", "print('deuxième')")
    return folder


def test_successful_run(territory, notebooks, tmp_path):
    result = runner.run_study(territory, reports_dir=tmp_path / "reports", notebooks_dir=notebooks)
    assert result.status == "terminé"
    assert result.run_dir.parent == tmp_path / "reports" / "test" / "2024"
    assert (result.run_dir / "ok.txt").read_text() == "2024"
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "terminé"
    assert manifest["annee"] == 2024 and manifest["territoire"] == "test"
    assert [n["notebook"] for n in manifest["notebooks"]] == ["00_controle_donnees", "01_etat_des_lieux"]
    assert all(n["statut"] == "terminé" and n["duree_s"] > 0 for n in manifest["notebooks"])
    assert set(manifest["entrees"]) == {"territoire.yaml", "suivi_clauses.csv"}  # the secret salt is not listed
    assert manifest["versions"]["pandas"]
    assert (result.run_dir / "notebooks" / "00_controle_donnees.ipynb").exists()
    # nothing temporary left, and the salt never copied into the run
    assert not list(result.run_dir.parent.glob(".*"))
    assert not list(result.run_dir.rglob(".sel_pseudonymisation"))


def test_two_runs_never_share_a_folder(territory, notebooks, tmp_path):
    first = runner.run_study(territory, 2023, reports_dir=tmp_path / "r", notebooks_dir=notebooks)
    second = runner.run_study(territory, 2023, reports_dir=tmp_path / "r", notebooks_dir=notebooks)
    assert first.run_dir != second.run_dir
    assert first.run_dir.exists() and second.run_dir.exists()


def test_failing_notebook_is_named_kept_and_marked(territory, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    make_notebook(folder, "00_controle_donnees", "raise ValueError('données impossibles')")
    make_notebook(folder, "01_etat_des_lieux", "print('jamais')")
    result = runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder)
    assert result.status == "échec"
    assert result.failed_notebook == "00_controle_donnees"
    assert "00_controle_donnees" in result.message and "cellule" in result.message
    assert "données impossibles" in result.message
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "échec"
    assert [n["notebook"] for n in manifest["notebooks"]] == ["00_controle_donnees"]
    executed = nbformat.read(result.run_dir / "notebooks" / "00_controle_donnees.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))


def test_unknown_parameter_is_refused(territory, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    make_notebook(folder, "00_controle_donnees", "pass", params='territoire = ""  # seul paramètre')
    result = runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder)
    assert result.status == "échec"
    assert "ne déclare pas le(s) paramètre(s) annee, dossier_run" in result.message


def test_bad_year_and_bad_territory(territory, notebooks, tmp_path):
    with pytest.raises(runner.RunError, match="Année « 1850 » refusée"):
        runner.run_study(territory, 1850, reports_dir=tmp_path / "r", notebooks_dir=notebooks)
    with pytest.raises(ConfigError, match="introuvable"):
        runner.run_study(tmp_path / "absent", reports_dir=tmp_path / "r", notebooks_dir=notebooks)
    assert not (tmp_path / "r").exists()


def test_run_ids_are_distinct_at_the_same_second():
    import datetime as dt

    now = dt.datetime(2026, 11, 25, 10, 0, 0)
    ids = {runner.new_run_id(now) for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("20261125-100000-") for i in ids)


# --- several kernels: independent phases at the same time ----------------------------------------

TIMED = ("import json, os, time\nfrom pathlib import Path\nstart = time.time()\ntime.sleep({sleep})\n"
         "Path(dossier_run, '{name}.json').write_text(json.dumps([os.getpid(), start, time.time()]))\n{extra}")


def _timed_phases(folder: Path, sleep: float = 0.3, extra: dict | None = None) -> None:
    for name, _ in runner.PHASES:
        make_notebook(folder, name, TIMED.format(sleep=sleep, name=name, extra=(extra or {}).get(name, "")))


def test_two_kernels_run_each_phase_after_those_it_reads(territory, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    _timed_phases(folder)
    result = runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder, noyaux=2)
    assert result.status == "terminé", result.message
    times = {name: json.loads((result.run_dir / f"{name}.json").read_text()) for name, _ in runner.PHASES}
    for name, requires in runner.PHASE_REQUIRES.items():
        for required in requires:
            assert times[name][1] >= times[required][2], f"{name} a commencé avant la fin de {required}"
    assert len({pid for pid, _, _ in times.values()}) == 2  # two kernels
    # at least two phases overlapped in time (01, 02, 03, 09 are all ready once 00 is done)
    spans = sorted((start, end) for _, start, end in times.values())
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:]))
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [n["notebook"] for n in manifest["notebooks"]] == [name for name, _ in runner.PHASES]
    assert all(n["statut"] == "terminé" and n["duree_s"] >= 0.3 for n in manifest["notebooks"])


def test_two_kernels_start_nothing_new_after_a_failure(territory, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    _timed_phases(folder, sleep=0.2, extra={"02_besoins_emploi_insertion": "raise ValueError('publics illisibles')"})
    result = runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder, noyaux=2)
    assert result.status == "échec" and result.failed_notebook == "02_besoins_emploi_insertion"
    assert "publics illisibles" in result.message
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    ran = {n["notebook"]: n["statut"] for n in manifest["notebooks"]}
    assert ran["02_besoins_emploi_insertion"] == "échec" and ran["00_controle_donnees"] == "terminé"
    # what needs 02 never started; the run folder was closed (no « en cours » entry left)
    assert not {"04_secteurs_prioritaires", "05_argumentaire", "08_volumes_insertion", "10_synthese"} & set(ran)
    assert "en cours" not in ran.values()
