"""The trainer's guide and the learner's handout (``diversification formation RUN``): the session plan of
formation.csv, the answers of the run (as ``diversification corrige`` gives them), the usual mistakes and the
discussion questions; the handout without the answers; on rural-exemple no hidden value given as an answer."""

import html
import json
import re
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from diversification.inputs import formatting
from diversification.inputs.errors import KitError
from diversification.inputs.referentiels import load_referentiel
from diversification.publish import gate
from diversification.run import training
from diversification.run.cli import app

runner = CliRunner()
NNBSP = "\u202f"


def _plain(text: str) -> str:
    """The words a reader sees (no style sheet, no tag; `code` shown without its backquotes)."""
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"<code>(.*?)</code>", r"\1", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).replace(NNBSP, " ").replace("`", "").split())


@pytest.fixture(scope="module")
def guides(sample_runs, tmp_path_factory):
    """A copy of the metropole-exemple and rural-exemple runs (the session runs stay as they are), with the guide
    written by the command line."""
    out = {}
    for name in ("metropole-exemple", "rural-exemple"):
        run = tmp_path_factory.mktemp("formation") / sample_runs[name].name
        shutil.copytree(sample_runs[name], run)
        result = runner.invoke(app, ["formation", str(run)], terminal_width=250)
        assert result.exit_code == 0, result.output
        assert f"écrits dans : {run / 'formation'}" in result.output.replace("\n", "")
        out[name] = run
    return out


def _read(run, name: str) -> str:
    return (run / "formation" / name).read_text(encoding="utf-8")


def _answers(page: str) -> dict[str, str]:
    """Phase -> what the guide gives as the expected answer (or « absente : <why> »)."""
    found = {}
    for kind, phase, body in re.findall(r'<p class="(reponse-attendue|reponse-absente)" data-phase="(\d\d)">(.*?)</p>',
                                        page, flags=re.S):
        text = _plain(body)
        found[phase] = (text.removeprefix("Réponse attendue : ") if kind == "reponse-attendue"
                        else "absente : " + text.removeprefix("Pas de réponse sur ce territoire : "))
    return found


def test_the_session_plan_of_the_reference_table():
    """formation.csv: 11 notebooks over two half-days of 3 hours; phase 08 (45 min) starts 65 minutes into the
    afternoon (06: 35 min, 07: 30 min)."""
    plan = training.session_plan()
    assert [p.phase for p in plan.phases] == sorted(training.EXERCISES)
    assert plan.minutes == 360 and sum(p.minutes for p in plan.phases) == 360
    assert [(day, sum(p.minutes for p in phases)) for day, phases in plan.half_days()] == [(1, 180), (2, 180)]
    eight = next(p for p in plan.phases if p.phase == "08")
    assert (eight.half_day, eight.start, eight.end) == (2, 65, 110)
    assert all(p.mistakes for p in plan.phases)
    assert plan.phases[2].mistakes[0].title == "Lire « — » comme zéro"


def test_an_inconsistent_session_plan_is_refused_in_french():
    table = load_referentiel("formation")
    longer = table.copy()
    longer.loc[(longer["type"] == "phase") & (longer["phase"] == "04"), "duree_minutes"] = 50
    with pytest.raises(KitError, match="les durées des phases font 370 minutes, la séance en annonce 360"):
        training.session_plan(longer)
    without = table[~((table["type"] == "erreur") & (table["phase"] == "10"))]
    with pytest.raises(KitError, match="la phase 10 n'a aucune erreur fréquente"):
        training.session_plan(without)


def test_learner_words_and_session_times():
    assert training.learner_words("le tableau (`representation`), colonne « indice_representation »") == (
        "le tableau, colonne « Indice de représentation »")
    assert training.learner_words("ligne « non retenu »") == "ligne « non retenu »"
    assert [formatting.minutes(m) for m in (20, 60, 95, 360)] == [f"20{NNBSP}min", f"1{NNBSP}h", f"1{NNBSP}h{NNBSP}35",
                                                                 f"6{NNBSP}h"]
    assert formatting.clock(65) == f"1{NNBSP}h{NNBSP}05" and formatting.clock(0) == f"0{NNBSP}h{NNBSP}00"


@pytest.mark.parametrize("territory", ["metropole-exemple", "rural-exemple"])
def test_the_guide_is_complete(guides, territory):
    """Every phase with its slot, every exercise with the answer of ``answer_key`` on the same run (or why there
    is none), its usual mistakes with their correction, and its discussion question."""
    run = guides[territory]
    page = _read(run, "guide_formateur.html")
    text = _plain(page)
    plan = training.session_plan()
    for p in plan.phases:
        slot = f"Notebook {p.phase} – {p.title} ({formatting.clock(p.start)} – {formatting.clock(p.end)}, " \
               f"{formatting.minutes(p.minutes)})".replace(NNBSP, " ")
        assert slot in text, slot
        assert p.goal in text
        for mistake in p.mistakes:
            assert mistake.title in text and mistake.text in text and f"Correction : {mistake.correction}" in text
    assert "Total de la séance" in text and "6 h d'atelier" in text
    key = training.answer_key(run).set_index("Phase")["Réponse"].str.replace(NNBSP, " ")
    answers = _answers(page)
    assert sorted(answers) == sorted(training.EXERCISES)
    for phase, exercise in training.EXERCISES.items():
        given = answers[phase]
        if given.startswith("absente : "):
            assert exercise.missing in given and exercise.missing in key[phase], phase
        else:
            assert f"Réponse : {given}." in key[phase], (phase, given, key[phase])
        assert _plain(training.learner_words(exercise.discussion)) in text
        assert _plain(training.learner_words(exercise.question)) in text
    assert "indice_representation" not in text and "(`" not in page and "controle.synthese" not in text
    assert gate.unrecorded_files(run) == []  # written through the gate


def test_the_answers_on_metropole_read_by_hand(guides):
    """Read in the report of metropole-exemple (see tests/test_training.py)."""
    answers = _answers(_read(guides["metropole-exemple"], "guide_formateur.html"))
    assert answers == {"00": "3 076", "01": "82,1 %", "02": "« Femmes »", "03": "« Restauration »",
                       "04": "« Services aux entreprises et aux particuliers »", "05": "35", "06": "15", "07": "40",
                       "08": "70", "09": "3,2 points", "10": "10"}


def test_on_rural_no_hidden_value_is_an_answer(guides):
    """rural-exemple: four publics have their index hidden (« — »): none is the answer of exercise 02 (the lowest
    index shown, Jeunes diplômés: 0 participant); the change of the share of women is hidden: no answer, the
    guide says why; no planned purchase: exercises 06 and 08 say so."""
    run = guides["rural-exemple"]
    answers = _answers(_read(run, "guide_formateur.html"))
    representation = pd.read_parquet(run / "tables" / "besoins_emploi_representation.parquet")
    hidden = set(representation.loc[representation["indice_representation"].isna(), "libelle"])
    assert hidden == {"Travailleurs handicapés", "Jeunes peu qualifiés", "Bénéficiaires du RSA",
                      "Résidents des quartiers prioritaires"}
    assert answers["02"] == "« Jeunes diplômés »"
    assert answers["09"].startswith("absente : l'évolution est masquée (secret statistique)")
    assert "Une valeur masquée par le secret statistique (« — ») n'est jamais donnée comme réponse" in answers["09"]
    assert answers["06"] == "absente : pas d'achats prévus examinés. Faites faire l'exercice sur le territoire " \
                            "d'exemple « metropole-exemple », ou discutez avec le groupe de ce que l'absence de " \
                            "réponse dit des données du territoire."
    assert answers["08"].startswith("absente : aucun marché ciblé.")
    assert "part_femmes" not in _read(run, "guide_formateur.html")


@pytest.mark.parametrize("territory", ["metropole-exemple", "rural-exemple"])
def test_the_handout_has_no_answer(guides, territory):
    run = guides[territory]
    page = _read(run, "fiche_apprenant.html")
    body = page.split("</style>", 1)[1]
    assert 'class="reponse-attendue"' not in body and "Réponse attendue" not in body and "Correction" not in body
    blocks = re.findall(r'<section class="exercice" id="phase-(\d\d)".*?</section>', page, flags=re.S)
    assert len(blocks) == len(training.EXERCISES)
    answers = _answers(_read(run, "guide_formateur.html"))
    for block in re.findall(r'<section class="exercice" id="phase-\d\d".*?</section>', page, flags=re.S):
        text = _plain(block.split("</h3>", 1)[1])  # the heading names the notebook (« Notebook 10 »)
        phase = re.search(r'id="phase-(\d\d)"', block).group(1)
        exercise = training.EXERCISES[phase]
        assert _plain(training.learner_words(exercise.question)) in text and "Ma réponse :" in text
        if not answers[phase].startswith("absente"):
            assert not re.search(rf"(?<![\d,]){re.escape(answers[phase])}(?![\d,])", text), (phase, answers[phase])
    for p in training.session_plan().phases:
        assert p.mistakes[0].correction not in _plain(page)


@pytest.mark.parametrize("territory", ["metropole-exemple", "rural-exemple"])
def test_the_pdfs_have_pages(guides, territory):
    from pypdf import PdfReader

    folder = guides[territory] / "formation"
    for name in ("guide_formateur", "fiche_apprenant"):
        pdf = folder / f"{name}.pdf"
        if not pdf.exists():
            pytest.skip("PDF non produit (WeasyPrint ou Pango absent : « apt-get install libpango-1.0-0 "
                        "libpangoft2-1.0-0 ») : " + (folder / f"{name}_PDF_NON_PRODUIT.txt").read_text(encoding="utf-8"))
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 3, name
        first = " ".join((reader.pages[0].extract_text() or "").split())
        assert ("Guide du formateur" if name == "guide_formateur" else "Fiche de l'apprenant") in first
    # the gate's ledger of the run records the four files as training documents, not as the report
    from diversification.publish import gate

    ledger = [json.loads(line) for line in (guides[territory] / gate.LEDGER_NAME).read_text(encoding="utf-8").split("\n")
              if line]
    natures = {entry["fichier"]: entry["nature"] for entry in ledger if entry["fichier"].startswith("formation/")}
    assert natures == {f"formation/{n}.{e}": "formation" for n in ("guide_formateur", "fiche_apprenant")
                       for e in ("html", "pdf")}


def test_a_run_not_finished_or_a_bad_folder_is_refused_in_french(guides, tmp_path):
    run = tmp_path / "20260101-000000-abcdef"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"statut": "en cours"}), encoding="utf-8")
    result = runner.invoke(app, ["formation", str(run)], terminal_width=200)
    assert result.exit_code == 2
    assert "Le run « 20260101-000000-abcdef » n'est pas terminé (statut « en cours ») : relancez l'étude." in \
        " ".join(result.output.split())
    assert "Traceback" not in result.output and not (run / "formation").exists()
    missing = runner.invoke(app, ["formation", str(tmp_path)], terminal_width=200)
    assert missing.exit_code == 2 and "n'est pas un dossier de run (manifest.json introuvable)" in missing.output
    outside = runner.invoke(app, ["formation", str(guides["rural-exemple"]), "--sortie", "../ailleurs"],
                            terminal_width=200)
    assert outside.exit_code == 2 and "Nom refusé pour un dossier ou un fichier de résultats : « .. »" in \
        " ".join(outside.output.split())
    assert not (guides["rural-exemple"].parent / "ailleurs").exists()
    other = runner.invoke(app, ["formation", str(guides["rural-exemple"]), "--sortie", "seance-mars"])
    assert other.exit_code == 0 and (guides["rural-exemple"] / "seance-mars" / "fiche_apprenant.html").is_file()
