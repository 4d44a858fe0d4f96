"""Training exercises (:mod:`diversification.run.training`): the answers on metropole-exemple, read by hand in its
report (HTML / PDF of a run), the forms of an answer accepted, and no hidden value ever given."""

import json

import pandas as pd
import pytest

from diversification.run import training
from diversification.inputs.paths import NOTEBOOKS_DIR


def _tables(run, territory: str) -> dict[str, pd.DataFrame]:
    """The table each notebook checks its exercise against, rebuilt from a sample run."""
    return training.run_tables(run)


@pytest.fixture(scope="module")
def metropole(sample_runs):
    return _tables(sample_runs["metropole-exemple"], "metropole-exemple")


@pytest.mark.parametrize("territory", ["rural-exemple", "exports-bruts"])
def test_every_exercise_answers_or_says_why_on_the_other_samples(sample_runs, territory):
    """On a small territory (secrecy, no planned purchases) or raw exports, each exercise gives its answer or says
    it is not available there; never an error."""
    tables = _tables(sample_runs[territory], territory)
    for phase in training.EXERCISES:
        said = training.check(phase, "?", tables[phase])
        assert said.startswith(("Réponse : ", "Sur ce territoire, la réponse n'est pas disponible : ")), (phase, said)
    rural = _tables(sample_runs["rural-exemple"], "rural-exemple") if territory == "rural-exemple" else None
    if rural is not None:  # rural-exemple has no planned purchases: no screening, no volumes
        assert training.check("06", "?", rural["06"]).endswith("pas d'achats prévus examinés. Ouvrez le territoire "
                                                                 "d'exemple « metropole-exemple » pour faire l'exercice.")


# read in the report of metropole-exemple: synthesis of the check, concentration indicators, representation
# (Femmes 0,35, the lowest), BMO by segment (Restauration 543), ranking, 7 buyers × 5 segments, the screening
# (« non retenu » 15), the action plan (« 20 premières lignes sur 40 »), PA2026-001 (70 h), before / after
# (+3,2 points for women), 10 phases « réalisée »
ANSWERS = {"00": "3 076", "01": "82,1 %", "02": "« Femmes »", "03": "« Restauration »",
           "04": "« Services aux entreprises et aux particuliers »", "05": "35", "06": "15", "07": "40", "08": "70",
           "09": "3,2 points", "10": "10"}


@pytest.mark.parametrize("phase", sorted(ANSWERS))
def test_the_answer_of_each_exercise_on_metropole(metropole, phase):
    shown = training.check(phase, "?", metropole[phase])
    assert shown.replace("\u202f", " ").replace("\u00a0", " ").startswith(f"Réponse : {ANSWERS[phase]}. Elle se lit dans ")


@pytest.mark.parametrize("phase, right, wrong", [
    ("00", ["3076", "3 076", 3076], [3075, "3 000"]),
    ("01", ["82,1", 82.1, "82,1 %", " 82.1% ", 0.821, "82,14"], [82.3, 80, "18"]),
    ("02", ["Femmes", "femmes", "FEMMES ", "femmes"], ["Seniors", "Hommes"]),
    ("04", ["services aux entreprises et aux particuliers", "services_entreprises_particuliers"], ["Restauration"]),
    ("08", [70, "70", "70,0"], [79, 276]),
    ("09", ["3,2", 3.2, "+3,2"], [-3.2, 0.032, 8.6]),
])
def test_right_and_wrong_answers(metropole, phase, right, wrong):
    for answer in right:
        assert training.check(phase, answer, metropole[phase]).startswith("Juste : "), answer
    for answer in wrong:
        said = training.check(phase, answer, metropole[phase])
        assert said.startswith("Pas encore : relisez "), answer
        assert ANSWERS[phase].strip("« »") not in said  # the answer is not given away


def test_no_answer_yet_and_unreadable_answers(metropole):
    assert training.check("01", None, metropole["01"]) == (
        "Exercice : écrivez votre réponse dans « reponse » puis exécutez à nouveau cette cellule "
        "(reponse = \"?\" affiche la réponse).")
    assert training.check("01", "  ", metropole["01"]).startswith("Exercice : ")
    assert training.check("01", "beaucoup", metropole["01"]) == (
        "Réponse illisible (« beaucoup ») : un nombre est attendu, par exemple reponse = 12.")


def test_a_hidden_value_is_never_the_answer():
    """On a small territory every index is hidden by the statistical secrecy: the exercise says the answer is not
    available there, whatever is answered, and never gives it."""
    hidden = pd.DataFrame({"public_id": ["femmes", "seniors"], "libelle": ["Femmes", "Seniors"],
                           "indice_representation": pd.array([pd.NA, pd.NA], dtype="Float64")})
    for answer in ("?", "Femmes", "Seniors"):
        assert training.check("02", answer, hidden) == (
            "Sur ce territoire, la réponse n'est pas disponible : aucun indice de représentation n'est affiché "
            "(secret statistique ou demandeurs non mesurables). Ouvrez le territoire d'exemple « metropole-exemple » "
            "pour faire l'exercice.")
    # the lowest index among those shown only: a hidden lower index is not the answer
    partly = hidden.assign(indice_representation=pd.array([pd.NA, 0.74], dtype="Float64"))
    assert training.check("02", "Seniors", partly).startswith("Juste : « Seniors »")


def test_every_notebook_states_its_exercise_and_checks_it():
    """Each phase notebook has the statement of :func:`training.statement_markdown` and a check cell, whose
    pinned output (no answer under papermill) gives nothing away."""
    for phase in training.EXERCISES:
        path = next(NOTEBOOKS_DIR.glob(f"{phase}_*.ipynb"))
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources = ["".join(c["source"]) for c in cells]
        assert training.statement_markdown(phase) in sources, path.name
        check = next(c for c, s in zip(cells, sources) if f'training.check("{phase}", reponse,' in s)
        assert check["metadata"].get("keep_output") and "reponse = None" in "".join(check["source"])
        assert "".join(check["outputs"][0]["text"]).startswith("Exercice : écrivez votre réponse"), path.name


def test_the_answer_key_of_a_run_for_the_trainer(sample_runs):
    """`diversification corrige` on the metropole-exemple run: every answer, as the notebooks give it on « ? »."""
    from typer.testing import CliRunner

    from diversification.run.cli import app

    result = CliRunner().invoke(app, ["corrige", str(sample_runs["metropole-exemple"])], terminal_width=250)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.replace("│", " ").split()).replace("\u202f", " ").replace("\u00a0", " ")
    for answer in ANSWERS.values():
        assert f"Réponse : {answer}." in said, answer
    missing = CliRunner().invoke(app, ["corrige", str(sample_runs["metropole-exemple"].parent)])
    assert missing.exit_code == 2 and "n'est pas un dossier de run" in " ".join(missing.output.split())
