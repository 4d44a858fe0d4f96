"""Installed, not only checked out: the wheel carries the reference tables, the sample territories and the
notebooks; installed in a fresh virtual environment outside the checkout, ``diversification exemples`` and a study
work there.

``test_wheel_ships_the_data_files`` builds the wheel only (about 5 s). ``test_installed_kit_runs_outside_the_checkout``
(e2e, about 80 s on an idle machine, 130 s on a busy one: most of it installing the dependencies from the pip
cache or the offline mirror, then
``exemples`` and a study of ``rural-exemple``) installs it in a venv without the system's site-packages.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def _clean_env(**extra) -> dict:
    """The environment of a command run outside the checkout: no PYTHONPATH, no venv of the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(extra)
    return env


def _clean_copy(target: Path) -> Path:
    """The files of the checkout that git tracks (as a fresh clone has them), copied into ``target``: the build
    never sees a ``build/`` folder left over in the checkout, nor a local run or secret."""
    listed = subprocess.run(["git", "ls-files", "-z"], capture_output=True, cwd=ROOT, check=False)
    if listed.returncode != 0 or not listed.stdout:
        pytest.skip("not a git checkout")
    for name in listed.stdout.decode("utf-8").split("\0"):
        if name and (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = _clean_copy(tmp_path_factory.mktemp("depot"))
    folder = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(folder), str(source)],
                          capture_output=True, text=True, env=_clean_env(), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    [built] = folder.glob("diversification-*.whl")
    return built


def test_wheel_ships_the_data_files(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        kit = "diversification/kit/"
        for path in (ROOT / "data_samples" / "referentiels").glob("*.csv"):
            assert archive.read(f"{kit}data_samples/referentiels/{path.name}") == path.read_bytes(), path.name
        for path in (ROOT / "notebooks").glob("*.ipynb"):
            assert archive.read(f"{kit}notebooks/{path.name}") == path.read_bytes(), path.name
        for name in ("metropole-exemple", "rural-exemple", "exports-bruts"):
            for path in (ROOT / "data_samples" / "territoires" / name).rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    relative = path.relative_to(ROOT / "data_samples" / "territoires").as_posix()
                    assert f"{kit}data_samples/territoires/{relative}" in names, relative
        assert not [n for n in names if ".sel_pseudonymisation" in n or "/outils/" in n or "build_kit_data" in n]
        assert "diversification/publish/templates/rapport.html" in names


def _golden(territory: str) -> dict[str, str]:
    with open(GOLDEN / f"chiffres_cles_{territory}.csv", encoding="utf-8", newline="") as handle:
        return {row["chiffre"]: row["valeur"] for row in csv.DictReader(handle)}


@pytest.mark.e2e
def test_installed_kit_runs_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True,
                               text=True, env=_clean_env(), check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    work = tmp_path / "travail"
    work.mkdir()
    env = _clean_env(XDG_CACHE_HOME=str(tmp_path / "cache"))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(env_dir / "bin" / "diversification"), *args], capture_output=True, text=True, cwd=work, env=env, check=False)

    where = subprocess.run([str(python), "-c", "from diversification.inputs import paths; print(paths.FROM_CHECKOUT, "
                            "paths.REFERENTIELS_DIR, paths.NOTEBOOKS_DIR)"], capture_output=True, text=True,
                           cwd=work, env=env, check=True).stdout.split()
    assert where[0] == "False" and all(str(env_dir) in p and str(ROOT) not in p for p in where[1:])

    examples = run("exemples")
    assert examples.returncode == 0, examples.stderr
    for name in ("metropole-exemple", "rural-exemple", "exports-bruts"):
        assert f"Territoire écrit : {work / 'territoires' / name}" in examples.stdout
        # the generator is deterministic: the same bytes as the samples of the checkout
        for path in (ROOT / "data_samples" / "territoires" / name).rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                assert (work / "territoires" / path.relative_to(ROOT / "data_samples" / "territoires")).read_bytes() \
                    == path.read_bytes(), path

    study = run("etude", "--territoire", "territoires/rural-exemple")
    assert study.returncode == 3, study.stdout + study.stderr  # rural-exemple: an incomplete study (no planned purchases)
    assert "Traceback" not in study.stdout + study.stderr
    [run_dir] = [p for p in (work / "reports" / "rural-exemple" / "2025").iterdir() if p.is_dir()]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "terminé" and len(manifest["notebooks"]) == 11
    assert (run_dir / "rapport" / "rapport.html").is_file()
    # the same key figures as from the checkout
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from test_chiffres_cles_golden import _same, key_figures
    finally:
        sys.path.remove(str(ROOT / "tests"))
    figures, golden = key_figures(run_dir), _golden("rural-exemple")
    assert list(figures) == list(golden)
    assert all(_same(golden[k], figures[k]) for k in golden), {k: (golden[k], figures[k]) for k in golden}
    assert not list((env_dir / "lib").glob("python*/site-packages/diversification/kit/data_samples/territoires/*/"
                                          ".sel_pseudonymisation"))  # the shipped samples were not touched
