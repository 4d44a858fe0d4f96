"""Issue 19.6: what a learner reads speaks the report's words, never Python.

Scanned: the Markdown cells of every notebook, each exercise's statement, and every sentence :func:`training.check`
can print (what to do, wrong, right, unreadable, the answer — the texts of ``diversification corrige`` and of the
trainer's answer key). The column headers of the tables notebooks 04 to 09 display are scanned in
``tests/test_notebooks_opened_alone.py`` (the notebooks are executed there). A code identifier is a snake_case word,
a dotted name that is not a file name (``arguments.sheets_table``), or a call (``f(``, ``()``). The names a
facilitator types are admitted: the notebook parameters and the keys of ``territoire.yaml``.
"""

import dataclasses
import re
from pathlib import Path

import nbformat
import pytest

from diversification.inputs import parameters
from diversification.inputs.config import TOP_LEVEL_KEYS
from diversification.inputs.referentiels import DICTIONARY_TABLE, load_referentiel
from diversification.run import training

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FILE_SUFFIXES = {"csv", "yaml", "md", "html", "parquet", "xlsx", "pdf", "json", "png", "txt", "ipynb", "xls", "ods"}
#: What a facilitator types: the notebooks' parameters, the keys of territoire.yaml (and the decisions under
#: ``decisions_epinglees``, written ``decisions_epinglees.segments_prioritaires``).
TYPED = set(parameters.by_name()) | set(TOP_LEVEL_KEYS)
SNAKE = re.compile(r"(?<![\w/.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w/-]|\.(?:" + "|".join(FILE_SUFFIXES) + r")\b)")
CALL = re.compile(r"\b[A-Za-z_]\w*\((?:\)|(?!s\))(?=[\w\"']))")  # f() or f(x; never « fiche(s) »
DOTTED = re.compile(r"(?<![\w/.-])([a-z_]\w*)\.([a-z_]\w*)\b")
TYPED_PATH = re.compile(r"\b(?:decisions_epinglees|poids_criteres|poids_publics)\.\w+")


def code_identifiers(text: str) -> list[str]:
    """The code identifiers in a learner-facing ``text`` (empty when it speaks the report's words)."""
    text = TYPED_PATH.sub(" ", text)
    found = [w for w in SNAKE.findall(text) if w.rstrip(".") not in TYPED]
    found += [m.group(0) for m in CALL.finditer(text)]
    found += [m.group(0) for m in DOTTED.finditer(text) if m.group(2) not in FILE_SUFFIXES]
    return found


def raw_headers(headers: list[str]) -> list[str]:
    """The headers that are code identifiers or raw column ids of the data dictionary (« libelle », « rang »)."""
    ids = set(load_referentiel(DICTIONARY_TABLE)["champ"])
    return [h for h in headers if code_identifiers(h) or h in ids]


def test_the_scanner_finds_what_it_must_and_only_that():
    assert code_identifiers("le tableau des fiches (`arguments.sheets_table(fiches)`), colonne « projets_recrutement »") \
        == ["projets_recrutement", "sheets_table(", "arguments.sheets_table"]
    assert code_identifiers("la table `etude.decision` ; appelez f() ; 2 fiche(s) (phase 05)") == ["f()", "etude.decision"]
    assert code_identifiers("Le tableau « Classement des segments d'achat » (section 4), colonne « Rang » ; "
                            "le fichier `prive/rejets.csv`, `tables/besoins_emploi_*.parquet`, `territoire.yaml` "
                            "(`decisions_epinglees.marches_cibles`, `poids_criteres`), `dossier_run` vide.") == []
    assert raw_headers(["Segment", "libelle", "statut", "Statut", "critere_offre_inclusive", "Note : offre inclusive"]) \
        == ["libelle", "statut", "critere_offre_inclusive"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_markdown_speaks_the_reports_words(path):
    nb = nbformat.read(path, as_version=4)
    found = {i: code_identifiers(c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"}
    assert {i: f for i, f in found.items() if f} == {}


def _every_sentence(phase: str, exercise: training.Exercise, monkeypatch) -> list[str]:
    """Every sentence the check cell can print for ``phase``, with an expected value of the exercise's kind."""
    expected = ["Restauration collective", "restauration"] if exercise.kind == training.LABEL else 0.25
    fake = dataclasses.replace(exercise, answer=lambda table: expected)
    monkeypatch.setitem(training.EXERCISES, phase, fake)
    right = "Restauration collective" if exercise.kind == training.LABEL else 25
    wrong = "Nettoyage" if exercise.kind == training.LABEL else 3
    texts = [training.check(phase, answer, None) for answer in (None, "?", right, wrong, "douze")]
    monkeypatch.setitem(training.EXERCISES, phase, dataclasses.replace(exercise, answer=lambda table: None))
    texts.append(training.check(phase, "?", None))
    return texts


@pytest.mark.parametrize("phase", sorted(training.EXERCISES))
def test_exercise_texts_speak_the_reports_words(phase, monkeypatch):
    exercise = training.EXERCISES[phase]
    texts = [training.statement_markdown(phase), exercise.question, *_every_sentence(phase, exercise, monkeypatch)]
    assert [f for t in texts for f in code_identifiers(t)] == []
