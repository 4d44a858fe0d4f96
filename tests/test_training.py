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


def test_the_tables_of_exercises_05_and_06_are_published_and_declared(sample_runs):
    """Phases 05 and 06 publish, through the gate, the tables their exercises are checked against: on
    metropole-exemple 7 buyers × 5 retained segments = 35 sheets, one per file of argumentaires/; the 72 planned
    purchases screened (the rows of the decision « Marchés cibles ») of which 57 are retained, so 72 − 57 = 15
    « non retenu »."""
    from diversification.decisions import arguments, screening
    from diversification.publish import gate

    for name in (arguments.SHEETS_TABLE, screening.COUNTS_TABLE):
        assert name in gate.catalogue(), name
        for territory, run in sample_runs.items():
            assert f"tables/{name}.parquet" in gate.ledger(run), (territory, name)
    run = sample_runs["metropole-exemple"]
    sheets = pd.read_parquet(run / "tables" / f"{arguments.SHEETS_TABLE}.parquet")
    assert len(sheets) == 35 and sheets["Acheteur"].nunique() == 7 and sheets["Segment"].nunique() == 5
    assert sorted(sheets["Fichier"]) == sorted(f"argumentaires/{p.name}" for p in (run / "argumentaires").glob("*.html"))
    counts = pd.read_parquet(run / "tables" / f"{screening.COUNTS_TABLE}.parquet")
    targets = pd.read_parquet(run / "tables" / "decision_marches_cibles.parquet")
    assert int(counts["nb_achats"].sum()) == len(targets) == 72 and int(targets["retenu"].sum()) == 57
    assert int(counts.loc[counts["recommandation"] == "non retenu", "nb_achats"].sum()) == 15
    rural = pd.read_parquet(sample_runs["rural-exemple"] / "tables" / f"{screening.COUNTS_TABLE}.parquet")
    assert rural.empty and list(rural.columns) == ["regle_id", "recommandation", "nb_achats", "montant_ht"]


def test_the_answer_key_reads_the_run_folder_only(sample_runs, tmp_path, monkeypatch):
    """A copy of the metropole-exemple run whose territory is gone: with opening a study, the screening and the
    argument sheets all refused, the answer key and the guide still give every answer (read in the published
    tables); a run without the two tables (made by an older kit) says the answers are not available."""
    import shutil

    from diversification.decisions import arguments, screening
    from diversification.publish import study

    run = tmp_path / sample_runs["metropole-exemple"].name
    shutil.copytree(sample_runs["metropole-exemple"], run)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["parametres"]["territoire"] = str(tmp_path / "territoire-disparu")
    (run / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    def refused(*args, **kwargs):
        raise AssertionError("a phase is recomputed")

    for module, name in [(study, "open_study"), (screening, "screen_study"), (screening, "recommendation_counts"),
                         (arguments, "build_sheets"), (arguments, "sheets_table")]:
        monkeypatch.setattr(module, name, refused)
    key = training.answer_key(run)
    said = dict(zip(key["Phase"], key["Réponse"].str.replace("\u202f", " ").str.replace("\u00a0", " ")))
    assert said == {phase: f"Réponse : {ANSWERS[phase]}. Elle se lit dans "
                           f"{training.EXERCISES[phase].where.replace('`', '')}." for phase in ANSWERS}
    context = training.guide_context(run)
    assert context["territoire"] == manifest["nom"]
    assert {p: e.answer.replace("\u202f", " ").replace("\u00a0", " ") for p, e in context["exercises"].items()} == ANSWERS
    for name in (arguments.SHEETS_TABLE, screening.COUNTS_TABLE):
        (run / "tables" / f"{name}.parquet").unlink()
    older = training.run_tables(run)
    assert training.check("05", "?", older["05"]).startswith(
        "Sur ce territoire, la réponse n'est pas disponible : la liste des fiches argumentaires n'est pas dans le "
        "dossier du run")
    assert training.check("06", "?", older["06"]).startswith("Sur ce territoire, la réponse n'est pas disponible")
