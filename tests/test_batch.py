"""Batch of territories: process pool and Dask executors, failures isolated, --reprendre."""

import json
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from diversification.run import batch
from diversification.run.cli import app

PARAMS = 'territoire = ""  # dossier\nannee = 2025  # année\ndossier_run = ""  # run'
cli = CliRunner()


def make_notebook(folder: Path, name: str, body: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, folder / f"{name}.ipynb")


def make_territory(parent: Path, ident: str, annee: int = 2024) -> Path:
    folder = parent / ident
    folder.mkdir(parents=True)
    (folder / "territoire.yaml").write_text(f'nom: "{ident}"\nidentifiant: {ident}\nannee: {annee}\n', encoding="utf-8")
    return folder


@pytest.fixture
def notebooks(tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    # a territory whose identifier starts with « casse » fails in notebook 01
    make_notebook(folder, "00_controle_donnees",
                  "from pathlib import Path\nPath(dossier_run, 'annee.txt').write_text(str(annee))")
    make_notebook(folder, "01_etat_des_lieux",
                  "from pathlib import Path\nif Path(territoire).name.startswith('casse'):\n"
                  "    raise RuntimeError('territoire volontairement cassé')")
    return folder


@pytest.fixture
def territories(tmp_path):
    parent = tmp_path / "territoires"
    for ident in ("alpha", "beta", "casse"):
        make_territory(parent, ident)
    (parent / "pas-un-territoire").mkdir()  # no territoire.yaml: not part of the batch
    return parent


def test_find_territories_from_folder_and_list_file(territories, tmp_path):
    assert [p.name for p in batch.find_territories(territories)] == ["alpha", "beta", "casse"]
    listing = tmp_path / "liste.txt"
    listing.write_text(f"# lot de test\nterritoires/beta\n\n{territories / 'alpha'}\n", encoding="utf-8")
    assert batch.find_territories(listing) == [tmp_path / "territoires" / "beta", territories / "alpha"]
    with pytest.raises(batch.KitError, match="introuvable"):
        batch.find_territories(tmp_path / "absent")


def test_process_batch_isolates_the_failing_territory_then_resumes(territories, notebooks, tmp_path):
    reports = tmp_path / "r"
    paths = batch.find_territories(territories) + [territories / "pas-un-territoire"]
    outcomes = batch.run_batch(paths, 2023, reports_dir=reports, notebooks_dir=notebooks, travailleurs=2)
    by_id = {o.identifiant: o for o in outcomes}
    assert [o.identifiant for o in outcomes] == ["alpha", "beta", "casse", "pas-un-territoire"]  # input order
    assert by_id["alpha"].statut == by_id["beta"].statut == "terminé"
    assert Path(by_id["alpha"].dossier, "annee.txt").read_text() == "2023"
    assert Path(by_id["alpha"].dossier).parent == reports / "alpha" / "2023"
    assert by_id["casse"].statut == "échec"
    assert "01_etat_des_lieux" in by_id["casse"].message and "volontairement cassé" in by_id["casse"].message
    assert json.loads(Path(by_id["casse"].dossier, "manifest.json").read_text())["statut"] == "échec"
    assert by_id["pas-un-territoire"].statut == "échec" and "territoire.yaml" in by_id["pas-un-territoire"].message
    # --reprendre: the finished ones are skipped, the failed one is run again
    again = batch.run_batch(paths[:3], 2023, reports_dir=reports, notebooks_dir=notebooks, travailleurs=1,
                            reprendre=True)
    assert [o.statut for o in again] == ["déjà terminé", "déjà terminé", "échec"]
    assert again[0].dossier == by_id["alpha"].dossier
    assert len(list((reports / "alpha" / "2023").iterdir())) == 1
    assert len(list((reports / "casse" / "2023").iterdir())) == 2


def test_cli_lot_summary_and_exit_codes(territories, notebooks, tmp_path):
    reports = tmp_path / "r"
    result = cli.invoke(app, ["lot", "--territoires", str(territories), "--annee", "2024", "--travailleurs", "2",
                              "--rapports", str(reports), "--notebooks", str(notebooks)])
    assert result.exit_code == 1, result.output
    assert "3 territoire(s) à traiter." in result.output
    assert "Synthèse du lot" in result.output
    for column in ("Territoire", "Statut", "Durée", "Dossier du rapport"):
        assert column in result.output
    assert "1 territoire(s) en échec sur 3" in result.output
    assert "Traceback" not in result.output
    # a list file without the broken territory: everything passes, --reprendre skips alpha
    listing = tmp_path / "liste.txt"
    listing.write_text("territoires/alpha\nterritoires/beta\n", encoding="utf-8")
    ok = cli.invoke(app, ["lot", "--territoires", str(listing), "--annee", "2024", "--reprendre",
                          "--travailleurs", "1", "--rapports", str(reports), "--notebooks", str(notebooks)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("déjà terminé") >= 2 and "Lot terminé : 2 territoire(s)." in ok.output


def test_cli_lot_user_errors(territories, tmp_path):
    missing = cli.invoke(app, ["lot", "--territoires", str(tmp_path / "nulle-part")])
    assert missing.exit_code == 2 and "introuvable" in missing.output
    empty = tmp_path / "vide"
    empty.mkdir()
    none = cli.invoke(app, ["lot", "--territoires", str(empty)])
    assert none.exit_code == 2 and "Aucun territoire trouvé" in none.output
    year = cli.invoke(app, ["lot", "--territoires", str(territories), "--annee", "1850"])
    assert year.exit_code == 2 and "Année « 1850 » refusée" in year.output
    dask = cli.invoke(app, ["lot", "--territoires", str(territories), "--executeur", "dask"])
    assert dask.exit_code == 2 and "--scheduler" in dask.output
    assert not (tmp_path / "r").exists()


def test_dask_executor_on_a_local_cluster(territories, notebooks, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        outcomes = batch.run_batch([territories / "alpha", territories / "beta"], 2022, reports_dir=tmp_path / "r",
                                   notebooks_dir=notebooks, executeur="dask", scheduler=cluster.scheduler_address)
    assert [(o.identifiant, o.statut) for o in outcomes] == [("alpha", "terminé"), ("beta", "terminé")], [o.message for o in outcomes]
    for o in outcomes:
        assert Path(o.dossier, "annee.txt").read_text() == "2022"
    from diversification.run.engine import close_thread_session

    close_thread_session()


def test_threads_per_worker_share_the_cores():
    from diversification.run.batch import threads_per_worker

    assert threads_per_worker(1, cores=2) == 2
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(8, cores=2) == 1
    assert threads_per_worker(2, cores=16) == 8


def test_duplicate_identifiers_refuse_the_batch_before_anything_runs(territories, notebooks, tmp_path):
    """Two folders with the same identifiant would share one reports folder and one name in the summary."""
    twin = territories / "alpha-bis"
    twin.mkdir()
    (twin / "territoire.yaml").write_text('nom: "Alpha bis"\nidentifiant: alpha\nannee: 2024\n', encoding="utf-8")
    reports = tmp_path / "r"
    with pytest.raises(batch.KitError) as refused:
        batch.run_batch(batch.find_territories(territories), 2024, reports_dir=reports, notebooks_dir=notebooks,
                        travailleurs=1)
    message = str(refused.value)
    assert "identifiant « alpha »" in message
    assert f"« {territories / 'alpha'} » et « {twin} »" in message
    assert "beta" not in message and not reports.exists()

    result = cli.invoke(app, ["lot", "--territoires", str(territories), "--rapports", str(reports),
                              "--notebooks", str(notebooks)])
    assert result.exit_code == 2, result.output
    assert "Lot refusé, rien n'a été lancé" in result.output and "Traceback" not in result.output
    assert str(twin) in result.output.replace("\n", "") and not reports.exists()

    # the same folder listed twice in a list file
    listing = tmp_path / "liste.txt"
    listing.write_text("territoires/beta\nterritoires/beta\n", encoding="utf-8")
    with pytest.raises(batch.KitError, match="le même dossier listé plusieurs fois"):
        batch.run_batch(batch.find_territories(listing), 2024, reports_dir=reports, notebooks_dir=notebooks)
    assert not reports.exists()


def test_cli_lot_tells_complete_incomplete_and_failed_studies_apart(tmp_path):
    """Issue 18.2: `lot` reports each study as complète, incomplète (a phase « non réalisée ») or en échec; exit 1
    when one failed, 3 when none failed but one is incomplete."""
    folder = tmp_path / "nb"
    folder.mkdir()
    make_notebook(folder, "00_controle_donnees",
                  "from pathlib import Path\nif Path(territoire).name.startswith('casse'):\n"
                  "    raise RuntimeError('territoire volontairement cassé')")
    make_notebook(folder, "10_synthese",
                  "from pathlib import Path\nimport pandas as pd\n"
                  "statut = 'non réalisée' if Path(territoire).name.startswith('vide') else 'réalisée'\n"
                  "Path(dossier_run, 'tables').mkdir(exist_ok=True)\n"
                  "pd.DataFrame({'Phase': ['00 – Contrôle', '01 – État'], 'Statut': ['réalisée', statut], "
                  "'Tables': [1, 0], 'Graphiques': [0, 0], 'Motif': ['', 'données absentes']})"
                  ".to_parquet(Path(dossier_run, 'tables', 'synthese_phases.parquet'))")
    parent = tmp_path / "territoires"
    for ident in ("alpha", "vide", "casse"):
        make_territory(parent, ident)
    result = cli.invoke(app, ["lot", "--territoires", str(parent), "--annee", "2024", "--travailleurs", "1",
                              "--rapports", str(tmp_path / "r"), "--notebooks", str(folder)], terminal_width=200)
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "Études : 1 complète(s), 1 incomplète(s), 1 en échec." in said
    rows = {line.split("│")[1].strip(): line.split("│")[3].strip() for line in result.output.splitlines()
            if line.count("│") > 4 and line.split("│")[1].strip() in ("alpha", "vide", "casse")}
    assert rows == {"alpha": "complète", "vide": "incomplète", "casse": "en échec"}
    (parent / "casse" / "territoire.yaml").unlink()
    (parent / "casse").rename(tmp_path / "hors-lot")
    again = cli.invoke(app, ["lot", "--territoires", str(parent), "--annee", "2024", "--travailleurs", "1",
                             "--rapports", str(tmp_path / "r2"), "--notebooks", str(folder)])
    assert again.exit_code == 3, again.output
    assert "Études : 1 complète(s), 1 incomplète(s), 0 en échec." in " ".join(again.output.split())
