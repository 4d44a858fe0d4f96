"""parameters: each notebook's parameters declared once; the notebooks' cells match; bad values refused early."""

import ast
import json
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from diversification.inputs import parameters
from diversification.run import runner
from diversification.run.cli import app
from diversification.inputs.parameters import NOTEBOOK_PARAMETERS, Parameter, ParameterError
from diversification.inputs.paths import NOTEBOOKS_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def _parameters_cell(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    [cell] = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    return "".join(cell["source"])


def test_every_phase_is_declared():
    assert list(NOTEBOOK_PARAMETERS) == [name for name, _ in runner.PHASES] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_the_declaration(path):
    """The cell is written from the declaration: names, annotations, defaults and French comments."""
    source = _parameters_cell(path)
    assert source == parameters.cell_source(path.stem)
    nodes = ast.parse(source).body
    declared = NOTEBOOK_PARAMETERS[path.stem]
    assert all(isinstance(n, ast.AnnAssign) for n in nodes) and len(nodes) == len(declared)
    for node, line, param in zip(nodes, source.splitlines(), declared):
        assert node.target.id == param.name
        assert node.annotation.id == param.type.__name__
        default = ast.literal_eval(node.value)
        assert default == param.default and type(default) is param.type
        assert line.endswith(f"  # {param.description}")
    assert [p.name for p in declared[:3]] == ["territoire", "annee", "dossier_run"]


def test_the_cell_of_notebook_04():
    assert parameters.cell_source("04_secteurs_prioritaires").splitlines()[1:] == [
        "annee: int = 2025  # année étudiée",
        'dossier_run: str = ""  # dossier du run où écrire les tables ; vide pour explorer sans rien écrire',
        "top_n: int = 5  # nombre de segments retenus (les N premiers du classement)",
        "graine: int = 2025  # graine du tirage aléatoire de l'analyse de robustesse",
    ]


def test_defaults_are_the_library_defaults():
    from diversification.indicators.demand import DEFAULT_INDEX_THRESHOLD
    from diversification.decisions.scoring import DEFAULT_TOP_N

    assert parameters.SEUIL_INDICE.default == DEFAULT_INDEX_THRESHOLD
    assert parameters.TOP_N.default == DEFAULT_TOP_N


def test_check_types_and_minimum():
    top_n, seuil = parameters.TOP_N, parameters.SEUIL_INDICE
    assert top_n.check(6) == 6
    assert seuil.check(1) == 1.0 and isinstance(seuil.check(1), float)
    with pytest.raises(ParameterError, match=r"« top_n » : un nombre entier est attendu, reçu '6' \(texte\)"):
        top_n.check("6")
    with pytest.raises(ParameterError, match=r"reçu 2\.5 \(nombre\)"):
        top_n.check(2.5)
    with pytest.raises(ParameterError, match=r"reçu True \(vrai/faux\)"):
        top_n.check(True)
    with pytest.raises(ParameterError, match="« top_n » : 0 refusé, au moins 1 est attendu"):
        top_n.check(0)
    with pytest.raises(ParameterError, match="un texte est attendu, reçu 3"):
        parameters.TERRITOIRE.check(3)


def test_parse_command_line_text():
    assert parameters.SEUIL_INDICE.parse("0,9") == 0.9 and parameters.SEUIL_INDICE.parse(" 0.75 ") == 0.75
    assert parameters.TOP_N.parse("7") == 7
    with pytest.raises(ParameterError, match="« six » n'est pas un nombre entier"):
        parameters.TOP_N.parse("six")
    with pytest.raises(ParameterError, match="« 1,5 » n'est pas un nombre entier"):
        parameters.TOP_N.parse("1,5")
    assert parameters.parse_assignment("top_n=6") == ("top_n", 6)
    assert parameters.parse_assignment(" seuil_indice = 0,8") == ("seuil_indice", 0.8)
    with pytest.raises(ParameterError, match="NOM=VALEUR attendu"):
        parameters.parse_assignment("top_n")
    with pytest.raises(ParameterError, match=r"Paramètre\(s\) inconnu\(s\) : topn\. Paramètres admis : seuil_indice = "
                                             r"un nombre, par défaut 1 \("):
        parameters.parse_assignment("topn=6")
    with pytest.raises(ParameterError, match=r"Paramètre\(s\) annee refusé\(s\) : l'étude les donne elle-même"):
        parameters.parse_assignment("annee=2024")


def test_validate_a_notebook_and_a_study():
    assert parameters.validate("04_secteurs_prioritaires", {"annee": 2024, "top_n": 3}) == {"annee": 2024, "top_n": 3}
    with pytest.raises(ParameterError, match=r"« 00_controle_donnees » ne déclare pas le\(s\) paramètre\(s\) top_n"):
        parameters.validate("00_controle_donnees", {"top_n": 3})
    with pytest.raises(ParameterError, match="« annee » du notebook « 00_controle_donnees » : un nombre entier"):
        parameters.validate("00_controle_donnees", {"annee": "2025"})
    assert parameters.validate_study({"top_n": 3}, ["00_controle_donnees", "04_secteurs_prioritaires"]) == {"top_n": 3}
    with pytest.raises(ParameterError, match=r"inconnu\(s\) : top_n\. Paramètres admis : seuil_indice"):
        parameters.validate_study({"top_n": 3}, ["02_besoins_emploi_insertion"])  # 04 not in the study
    with pytest.raises(ParameterError, match="admis : aucun"):
        parameters.validate_study({"top_n": 3}, ["00_controle_donnees"])


PARAMS = 'territoire: str = ""  # dossier\nannee: int = 2025  # année\ndossier_run: str = ""  # run'


def _notebook(folder: Path, name: str, params: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(body)]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def territory(tmp_path):
    folder = tmp_path / "terr"
    folder.mkdir()
    (folder / "territoire.yaml").write_text('nom: "Test"\nidentifiant: test\nannee: 2024\n', encoding="utf-8")
    return folder


def test_runner_checks_the_cell_annotations_before_any_cell(tmp_path):
    path = _notebook(tmp_path, "essai", PARAMS + "\nseuil: float = 1.0  # seuil", "raise SystemExit('jamais')")
    runner.check_parameters(path, {"territoire": "t", "annee": 2024, "dossier_run": "", "seuil": 2})
    with pytest.raises(runner.RunError, match="« annee » du notebook « essai » : un nombre entier est attendu, "
                                              "reçu '2024' \\(texte\\)"):
        runner.check_parameters(path, {"territoire": "t", "annee": "2024", "dossier_run": ""})
    with pytest.raises(runner.RunError, match="« seuil » du notebook « essai » : un nombre est attendu"):
        runner.check_parameters(path, {"seuil": "1"})


def test_runner_checks_a_kit_notebook_against_the_declaration():
    source = NOTEBOOKS_DIR / "04_secteurs_prioritaires.ipynb"
    good = {"territoire": "t", "annee": 2025, "dossier_run": ""}
    runner.check_parameters(source, {**good, "top_n": 3})
    with pytest.raises(runner.RunError, match="« top_n » du notebook « 04_secteurs_prioritaires » : un nombre entier"):
        runner.check_parameters(source, {**good, "top_n": 2.5})


def test_a_bad_study_parameter_is_refused_before_anything_is_written(territory, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    _notebook(folder, "04_secteurs_prioritaires", PARAMS + "\ntop_n: int = 5  # n", "pass")
    with pytest.raises(ParameterError, match="« top_n » : un nombre entier est attendu"):
        runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder, parametres={"top_n": "6"})
    with pytest.raises(ParameterError, match=r"inconnu\(s\) : graines"):
        runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder, parametres={"graines": 6})
    assert not (tmp_path / "r").exists()


def test_a_study_parameter_goes_to_the_notebooks_that_declare_it(territory, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    _notebook(folder, "00_controle_donnees", PARAMS, "from pathlib import Path\nPath(dossier_run, '00.txt').write_text('ok')")
    _notebook(folder, "04_secteurs_prioritaires", PARAMS + "\ntop_n: int = 5  # n\ngraine: int = 2025  # g",
              "from pathlib import Path\nPath(dossier_run, '04.txt').write_text(f'{top_n} {graine}')")
    result = runner.run_study(territory, reports_dir=tmp_path / "r", notebooks_dir=folder, parametres={"top_n": 7},
                              noyaux=1)
    assert result.status == "terminé", result.message
    assert (result.run_dir / "04.txt").read_text() == "7 2025" and (result.run_dir / "00.txt").read_text() == "ok"
    assert result.manifest["parametres"]["top_n"] == 7


def test_cli_refuses_a_bad_parameter_in_french_without_traceback(tmp_path):
    result = CliRunner().invoke(app, ["etude", "--rapports", str(tmp_path / "r"), "-p", "top_n=six"])
    assert result.exit_code == 2
    assert "Erreur : Paramètre « top_n » : « six » n'est pas un nombre entier" in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "r").exists()
    result = CliRunner().invoke(app, ["etude", "--rapports", str(tmp_path / "r"), "--parametre", "rang=2"])
    assert result.exit_code == 2 and "Paramètre(s) inconnu(s) : rang" in result.output


# --- a notebook opened by hand (issue 19.2) ----------------------------------------------------------------

def test_as_opened_keeps_what_a_study_gives(monkeypatch, tmp_path):
    from diversification.inputs import parameters as p
    monkeypatch.setenv(p.TERRITORY_VARIABLE, "rural-exemple")
    monkeypatch.setenv(p.YEAR_VARIABLE, "2023")
    assert p.as_opened(str(tmp_path), 2025) == (str(tmp_path), 2025)


def test_as_opened_reads_the_variables_of_make_lab(monkeypatch):
    from diversification.inputs import parameters as p, paths
    monkeypatch.delenv(p.YEAR_VARIABLE, raising=False)
    for value in ("rural-exemple", "data_samples/territoires/rural-exemple", str(paths.TERRITOIRES_DIR / "rural-exemple")):
        monkeypatch.setenv(p.TERRITORY_VARIABLE, value)
        # no year given: the year of the territory's territoire.yaml (None → open_study reads it)
        assert p.as_opened(p.TERRITOIRE.default, p.ANNEE.default) == (paths.TERRITOIRES_DIR / "rural-exemple", None)
    monkeypatch.setenv(p.YEAR_VARIABLE, "2023")
    assert p.as_opened(p.TERRITOIRE.default, 2025)[1] == 2023
    monkeypatch.delenv(p.TERRITORY_VARIABLE)
    assert p.as_opened(p.TERRITOIRE.default, 2025) == (paths.TERRITOIRES_DIR / "metropole-exemple", 2023)
    monkeypatch.setenv(p.TERRITORY_VARIABLE, "")
    monkeypatch.delenv(p.YEAR_VARIABLE)
    assert p.as_opened(p.TERRITOIRE.default, 2025) == (paths.TERRITOIRES_DIR / "metropole-exemple", 2025)


def test_as_opened_refuses_in_french_a_wrong_variable(monkeypatch):
    from diversification.inputs import parameters as p
    monkeypatch.setenv(p.TERRITORY_VARIABLE, "nulle-part")
    with pytest.raises(p.ParameterError, match="DIVERSIFICATION_TERRITOIRE vaut « nulle-part » : aucun dossier"):
        p.as_opened(p.TERRITOIRE.default, 2025)
    monkeypatch.setenv(p.TERRITORY_VARIABLE, "rural-exemple")
    monkeypatch.setenv(p.YEAR_VARIABLE, "deux mille")
    with pytest.raises(p.ParameterError, match="DIVERSIFICATION_ANNEE vaut « deux mille » : une année est attendue"):
        p.as_opened(p.TERRITOIRE.default, 2025)
    monkeypatch.setenv(p.YEAR_VARIABLE, "1990")
    with pytest.raises(p.ParameterError, match="au moins 2000"):
        p.as_opened(p.TERRITOIRE.default, 2025)
