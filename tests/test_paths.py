"""paths: the data files found from a checkout, and from an installed wheel (``diversification/kit/``)."""

import runpy
import shutil
import sys
from pathlib import Path

from diversification.inputs import parameters, paths

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))
import build_kit_data  # noqa: E402 - the build step, beside the package (not installed)

sys.path.remove(str(ROOT / "lib"))


def test_from_the_checkout_the_repository_files_are_used():
    assert paths.FROM_CHECKOUT and paths.ROOT_DIR == ROOT
    assert paths.NOTEBOOKS_DIR == ROOT / "notebooks" and paths.REPORTS_DIR == ROOT / "reports"
    assert paths.REFERENTIELS_DIR == ROOT / "data_samples" / "referentiels"
    assert paths.TERRITOIRES_DIR == paths.EXAMPLES_DIR == ROOT / "data_samples" / "territoires"
    assert paths.decp_cache_dir() == ROOT / "reports" / ".cache_decp"
    assert (paths.REFERENTIELS_DIR / "segments.csv").is_file()


def test_the_notebooks_default_territory_is_the_shipped_sample():
    """Relative to the notebooks folder, in both layouts (kit/ mirrors the checkout)."""
    default = Path(parameters.TERRITOIRE.default)
    assert (paths.NOTEBOOKS_DIR / default).resolve() == paths.TERRITOIRES_DIR / paths.DEFAULT_TERRITORY


def test_is_checkout(tmp_path):
    assert paths.is_checkout(ROOT)
    assert not paths.is_checkout(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data_samples" / "referentiels").mkdir(parents=True)
    assert not paths.is_checkout(tmp_path)  # a project of its own, not the kit's repository
    (tmp_path / "lib" / "diversification").mkdir(parents=True)
    assert paths.is_checkout(tmp_path)


def test_installed_layout(tmp_path, monkeypatch):
    """paths.py inside a site-packages: data under diversification/kit, runs and examples in the working
    directory, the DECP cache in the user's cache folder."""
    package = tmp_path / "site-packages" / "diversification"
    (package / "inputs").mkdir(parents=True)
    shutil.copy(ROOT / "lib" / "diversification" / "inputs" / "paths.py", package / "inputs" / "paths.py")
    work = tmp_path / "travail"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    installed = runpy.run_path(str(package / "inputs" / "paths.py"))
    kit = package / "kit"
    assert installed["FROM_CHECKOUT"] is False and installed["ROOT_DIR"] == kit
    assert installed["NOTEBOOKS_DIR"] == kit / "notebooks"
    assert installed["REFERENTIELS_DIR"] == kit / "data_samples" / "referentiels"
    assert installed["TERRITOIRES_DIR"] == kit / "data_samples" / "territoires"
    assert installed["REPORTS_DIR"] == work / "reports" and installed["EXAMPLES_DIR"] == work / "territoires"
    assert installed["decp_cache_dir"]() == tmp_path / "cache" / "diversification" / "decp"


def test_the_build_ships_every_data_file_and_no_hidden_one(tmp_path):
    files = dict((relative, source) for source, relative in build_kit_data.kit_files())
    for csv in (ROOT / "data_samples" / "referentiels").glob("*.csv"):
        assert files[f"data_samples/referentiels/{csv.name}"] == csv
    assert "data_samples/referentiels/HYPOTHESES.md" in files
    assert sorted(k for k in files if k.startswith("notebooks/")) == [
        f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    assert "data_samples/territoires/rural-exemple/decp/decp_2024_2025.json" in files
    assert not [k for k in files if "/." in k or k.startswith(".") or "outils" in k]
    # a territory studied in a checkout gets a pseudonymisation secret: never shipped
    fake = tmp_path / "depot"
    (fake / "data_samples" / "territoires" / "t").mkdir(parents=True)
    (fake / "data_samples" / "referentiels").mkdir()
    (fake / "notebooks" / ".ipynb_checkpoints").mkdir(parents=True)
    (fake / "data_samples" / "territoires" / "t" / ".sel_pseudonymisation").write_text("secret")
    (fake / "data_samples" / "territoires" / "t" / "territoire.yaml").write_text("nom: t")
    (fake / "notebooks" / ".ipynb_checkpoints" / "00-checkpoint.ipynb").write_text("{}")
    (fake / "notebooks" / "00_a.ipynb").write_text("{}")
    assert [r for _, r in build_kit_data.kit_files(fake)] == ["data_samples/territoires/t/territoire.yaml",
                                                               "notebooks/00_a.ipynb"]
