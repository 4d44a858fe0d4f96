"""Training exercises: one per phase notebook, for the trainers of new facilitators.

Each exercise asks a question whose answer the learner reads in the notebook's own tables (where to look
is part of the method), then a question for the group, with no single answer. The learner writes the answer
in the notebook's ``reponse`` variable and runs the check cell: :func:`check` compares it with the value
computed from the same table as the notebook shows it (protected by the statistical secrecy: the check never
reveals a hidden value), says where to look when it is wrong, and gives the answer on ``reponse = "?"``.
Under papermill ``reponse`` stays ``None`` and the cell only says what to do. The statements are written into
the notebooks by their builders (``notebooks/outils``) from :func:`statement_markdown`; a test keeps both equal.
:func:`answer_key` gives every answer on the territory of a finished run (``diversification corrige``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from diversification.decisions import arguments, screening
from diversification.indicators import calculator
from diversification.inputs import formatting
from diversification.inputs.errors import KitError
from diversification.inputs.referentiels import load_referentiel
from diversification.inputs.paths import DEFAULT_TERRITORY
from diversification.inputs.parsing import normalize_header, parse_number
from diversification.publish import report, training_guide
from diversification.publish.report import DONE
import json

NUMBER = "nombre"
PERCENT = "pourcentage"  # a share (0.821) answered in percent (82,1)
POINTS = "points"  # a difference of shares (0.032) answered in percentage points (3,2)
LABEL = "libellé"
SHOW_ANSWER = "?"


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``answer(table)`` gives the expected value from the notebook's table (``None`` when the
    territory cannot give it, with ``missing`` saying why); ``where`` names that table in the notebook."""

    phase: str
    question: str
    where: str
    kind: str
    answer: Callable[[pd.DataFrame], object]
    discussion: str
    tolerance: float = 0.0
    missing: str = "la table ne donne pas cette valeur pour ce territoire"


def _indicator(table: pd.DataFrame, key: str, column: str = "valeur") -> float | None:
    rows = table.loc[table["indicateur"] == key, column] if len(table) else pd.Series(dtype=float)
    return None if rows.empty or pd.isna(rows.iloc[0]) else float(rows.iloc[0])


def _share_change(table: pd.DataFrame, key: str) -> float | None:
    """The change of a share in the before / after table, as a difference of shares (0.032 for 3,2 points)."""
    points = _indicator(table, key, "evolution_points") if "evolution_points" in table.columns else None
    return None if points is None else points / 100


def _accepted_row(table: pd.DataFrame, entry: str, column: str) -> int | None:
    rows = table.loc[table["entrée"] == entry, column] if len(table) else pd.Series(dtype=float)
    return None if rows.empty or pd.isna(rows.iloc[0]) else int(rows.iloc[0])


def _lowest_index(table: pd.DataFrame) -> list[str] | None:
    """The public(s) with the lowest representation index shown (label and identifier of each)."""
    shown = table[table["indice_representation"].notna()] if len(table) else table
    if shown.empty:
        return None
    low = shown["indice_representation"].astype(float).min()
    rows = shown[shown["indice_representation"].astype(float) == low]
    return [v for row in rows.itertuples(index=False) for v in (row.libelle, row.public_id)]


def _largest(table: pd.DataFrame, column: str) -> list[str] | None:
    shown = table[table[column].notna()] if len(table) else table
    if shown.empty:
        return None
    top = shown[column].astype(float).max()
    rows = shown[shown[column].astype(float) == top]
    return [v for row in rows.itertuples(index=False) for v in (row.libelle, row.segment_id)]


def _first_ranked(table: pd.DataFrame) -> list[str] | None:
    if table.empty:
        return None
    first = table.sort_values("rang", kind="stable").iloc[0]
    return [first["libelle"], first["segment_id"]]


def _first_recommended(table: pd.DataFrame) -> float | None:
    if table.empty or pd.isna(table["heures_recommandees"].iloc[0]):
        return None
    return float(table["heures_recommandees"].iloc[0])


def _phases_done(table: pd.DataFrame) -> int | None:
    return int((table["Statut"] == DONE).sum()) if "Statut" in table else None


EXERCISES: dict[str, Exercise] = {e.phase: e for e in [
    Exercise(
        "00", "Combien de lignes du suivi des clauses sociales ont été acceptées ?",
        "le tableau « Synthèse du contrôle des entrées » (section 1), colonne « Lignes acceptées »",
        NUMBER, lambda t: _accepted_row(t, "Suivi des clauses sociales", "lignes acceptées"),
        "Ouvrez le territoire « exports-bruts », relancez ce notebook et retrouvez dans le fichier des rejets "
        "(prive/rejets.csv) chacun des défauts décrits dans son fichier DEFAUTS.md. Lesquels auriez-vous pu corriger dans le logiciel de suivi ?",
        missing="le suivi des clauses n'est pas chargé"),
    Exercise(
        "01", "Quelle part des heures d'insertion de l'année relève du BTP et du nettoyage (en %) ?",
        "le tableau « Indicateurs de concentration », ligne « Part des heures dans le BTP et le nettoyage »", PERCENT, lambda t: _indicator(t, "part_construction_nettoyage"),
        "Qu'est-ce que cette concentration dit des publics qui accèdent aujourd'hui aux clauses (sexe, niveau de "
        "qualification) ? Reliez-la au profil des participants comparé aux demandeurs d'emploi.", tolerance=0.1,
        missing="pas d'heures d'insertion pour l'année étudiée"),
    Exercise(
        "02", "Quel public est le plus sous-représenté parmi les participants (le plus faible indice de "
        "représentation) ?", "le tableau « Représentation des publics dans les "
        "clauses », colonne « Indice de représentation »", LABEL, _lowest_index,
        "Ce public est-il retenu comme prioritaire ? Quels freins (garde d'enfants, mobilité, métiers proposés) "
        "peuvent expliquer qu'il accède peu aux clauses actuelles ?",
        missing="aucun indice de représentation n'est affiché (secret statistique ou demandeurs non mesurables)"),
    Exercise(
        "03", "Quel segment d'achat compte le plus de projets de recrutement dans l'enquête BMO ?",
        "le tableau « Besoins de recrutement par segment (BMO) », colonne « Projets de recrutement »",
        LABEL, lambda t: _largest(t, "projets_recrutement"),
        "Ouvrez le territoire « rural-exemple » (sans programmation des achats) et relancez ce notebook : quelles "
        "conclusions restent possibles avec les seuls marchés passés ?",
        missing="pas de métiers en tension (BMO) rattachés à un segment"),
    Exercise(
        "04", "Quel segment d'achat arrive en tête du classement multicritère ?",
        "le tableau « Classement des segments d'achat » (section 4), colonne « Rang »", LABEL, _first_ranked,
        "Doublez le poids de la priorité politique avec les curseurs, puis dans le fichier territoire.yaml "
        "(rubrique « poids des critères ») ; comparez les deux classements et la robustesse.",
        missing="aucun segment n'est classé"),
    Exercise(
        "05", "Combien de fiches argumentaires (une par acheteur partenaire et par segment prioritaire) sont "
        "préparées ?",
        "le tableau « Fiches argumentaires » de la phase 05 (section 3), une ligne par fiche", NUMBER,
        lambda t: len(t) if len(t.columns) else None,
        "Choisissez une fiche : quel argument porterez-vous en premier devant cet acheteur, et quelle objection "
        "attendez-vous ?", missing="la liste des fiches argumentaires n'est pas dans le dossier du run (relancez "
        "l'étude avec cette version du kit)"),
    Exercise(
        "06", "Combien d'achats prévus ne sont pas retenus pour une clause, un marché réservé ou un critère social ?",
        "le tableau « Décompte par recommandation » de la phase 06, ligne « non retenu »",
        NUMBER, lambda t: int(t.loc[t["recommandation"] == "non retenu", "nb_achats"].sum()) if len(t) else None,
        "Lisez le motif de deux achats non retenus dans le repérage : un autre montage (allotissement, durée, "
        "marché réservé) serait-il possible ?", missing="pas d'achats prévus examinés"),
    Exercise(
        "07", "Combien d'étapes compte en tout le plan d'actions du partenariat ?",
        "le tableau « Plan d'actions du partenariat », une ligne par étape et par segment", NUMBER, len,
        "Quelles étapes reviennent au facilitateur, lesquelles à l'acheteur ? Qui, sur votre territoire, "
        "pourrait porter les autres ?"),
    Exercise(
        "08", "Quel volume d'heures d'insertion est recommandé pour le premier marché du tableau des volumes ?",
        "le tableau « Volumes d'heures d'insertion des marchés cibles », colonne « Heures recommandées » de la "
        "première ligne", NUMBER,
        _first_recommended,
        "Comparez ce volume à celui de la formule classique (colonne des heures de la formule classique) : pourquoi la méthode adaptée "
        "recommande-t-elle un volume sécurisé plus prudent ?", missing="aucun marché ciblé"),
    Exercise(
        "09", "De combien de points la part des femmes parmi les participants a-t-elle évolué entre la première "
        "et la dernière année ?", "le tableau « Indicateurs avant / après », ligne « Part des femmes parmi les "
        "participants », colonne « Évolution d'une part (points) »", POINTS, lambda t: _share_change(t, "part_femmes"),
        "Cette évolution tient-elle aux clauses expérimentales ou à d'autres causes (effectifs, segments) ? "
        "Quels indicateurs suivriez-vous l'an prochain ?", tolerance=0.1,
        missing="l'évolution est masquée (secret statistique) ou le suivi ne couvre qu'une année"),
    Exercise(
        "10", "Combien de phases de l'étude sont entièrement réalisées ?",
        "le tableau « Avancement de l'étude » (section 1), colonne « Statut »", NUMBER,
        _phases_done,
        "Quelle décision de l'étude (publics, segments, marchés ciblés) épingleriez-vous dans le fichier "
        "territoire.yaml (rubrique « décisions épinglées ») après la réunion avec les acheteurs, et pourquoi ?"),
]}


def statement_markdown(phase: str) -> str:
    """The exercise of a notebook as French Markdown (written into the notebook by its builder)."""
    exercise = EXERCISES[phase]
    return (f"## Exercice (formation)\n\n"
            f"**Question** : {exercise.question} *Où lire la réponse* : {exercise.where}.\n\n"
            f"Écrivez votre réponse après « reponse = » dans la cellule ci-dessous (un nombre, ou un libellé entre "
            f"guillemets) et exécutez-la ; la réponse \"{SHOW_ANSWER}\" affiche la réponse attendue.\n\n"
            f"**Pour la discussion en groupe** : {exercise.discussion}")


def _fold(text: object) -> str:
    return normalize_header(str(text)).replace("_", " ").strip()


def _shown(value: object, kind: str) -> str:
    if kind == LABEL:
        return f"« {value[0]} »"
    if kind == PERCENT:
        return formatting.percent(value, 1)
    if kind == POINTS:
        return formatting.points(float(value) * 100, 1, signed=False)  # French: 1,5 point ; 3,2 points
    return formatting.number(value, 0 if float(value).is_integer() else 1)


def _matches(reponse: object, expected: object, exercise: Exercise) -> bool | None:
    """Whether the answer is right; ``None`` when it cannot be read (a number expected)."""
    if exercise.kind == LABEL:
        return _fold(reponse) in {_fold(v) for v in expected}
    try:
        number = float(reponse) if isinstance(reponse, (int, float)) else parse_number(str(reponse).replace("%", ""))
    except ValueError:
        number = None
    if number is None or math.isnan(number):
        return None
    if exercise.kind in (PERCENT, POINTS):
        target = float(expected) * 100
        if exercise.kind == PERCENT and abs(number) <= 1 < abs(target):
            number *= 100  # 0.821 for 82.1 %
        return abs(number - target) <= exercise.tolerance + 0.05
    return abs(number - float(expected)) <= exercise.tolerance


def check(phase: str, reponse: object, table: pd.DataFrame) -> str:
    """French sentence (printed by the notebook): what to do (no answer yet), right, wrong (where to look), or
    the answer (``"?"``)."""
    exercise = EXERCISES[phase]
    if reponse is None or (isinstance(reponse, str) and not reponse.strip()):
        return (f"Exercice : écrivez votre réponse dans « reponse » puis exécutez à nouveau cette cellule "
                f"(reponse = \"{SHOW_ANSWER}\" affiche la réponse).")
    expected = exercise.answer(table)
    if expected is None:
        return (f"Sur ce territoire, la réponse n'est pas disponible : {exercise.missing}. Ouvrez le territoire "
                "d'exemple « metropole-exemple » pour faire l'exercice.")
    where = exercise.where.replace("`", "")
    if isinstance(reponse, str) and reponse.strip() == SHOW_ANSWER:
        return f"Réponse : {_shown(expected, exercise.kind)}. Elle se lit dans {where}."
    right = _matches(reponse, expected, exercise)
    if right is None:
        return f"Réponse illisible (« {reponse} ») : un nombre est attendu, par exemple reponse = 12."
    if right:
        return f"Juste : {_shown(expected, exercise.kind)}. Passez à la question de discussion."
    return f"Pas encore : relisez {where}. Vous pouvez réessayer."


# --- answer key (trainers) ------------------------------------------------------------------------

def run_tables(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The table each notebook checks its exercise against, read from a finished run: its published tables only
    (``tables/*.parquet``; nothing is recomputed, the territory is not opened). A table the run did not publish
    (a run made before the kit published it) is an empty table without columns: its exercise says the answer is
    not available."""
    run_dir = Path(run_dir)

    def table(name: str) -> pd.DataFrame:
        path = run_dir / "tables" / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()

    return {"00": table("controle_synthese"), "01": table("etat_des_lieux_indicateurs"),
            "02": table("besoins_emploi_representation"), "03": table("opportunites_segments"),
            "04": table("decision_segments_prioritaires"), "05": table(arguments.SHEETS_TABLE),
            "06": table(screening.COUNTS_TABLE), "07": table("plan_actions_partenariat"),
            "08": table("volumes_insertion"), "09": table("evaluation_avant_apres"),
            "10": table(report.PHASES_TABLE)}


def answer_key(run_dir: str | Path) -> pd.DataFrame:
    """One row per exercise: the phase, the question and the answer on the run's territory (or why there is
    none), for the trainer preparing a session."""
    tables = run_tables(run_dir)
    rows = [{"Phase": phase, "Question": exercise.question, "Réponse": check(phase, SHOW_ANSWER, tables[phase])}
            for phase, exercise in EXERCISES.items()]
    return pd.DataFrame(rows, columns=["Phase", "Question", "Réponse"])


# --- trainer's guide and learner's handout (``diversification formation``) ----------------------------------

#: Reference table of the session plan, the learning goals and the usual mistakes (data_samples/referentiels).
FORMATION_TABLE = "formation"


@dataclass(frozen=True)
class Mistake:
    """A usual mistake of the learners on one exercise, and how the trainer corrects it."""

    title: str
    text: str
    correction: str


@dataclass(frozen=True)
class SessionPhase:
    """One notebook in the session plan: its half-day, its slot (minutes from the start of the half-day), its
    learning goal, and the usual mistakes on its exercise."""

    phase: str
    title: str
    half_day: int
    minutes: int
    start: int
    goal: str
    mistakes: tuple[Mistake, ...]

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class SessionPlan:
    title: str
    minutes: int
    outline: str
    phases: tuple[SessionPhase, ...]

    def half_days(self) -> list[tuple[int, list[SessionPhase]]]:
        days = sorted({p.half_day for p in self.phases})
        return [(d, [p for p in self.phases if p.half_day == d]) for d in days]


def _formation_problem(message: str) -> KitError:
    return KitError(f"Référentiel data_samples/referentiels/{FORMATION_TABLE}.csv incohérent : {message}.")


def session_plan(table: pd.DataFrame | None = None) -> SessionPlan:
    """The session plan read from the reference table ``formation.csv``: every phase of :data:`EXERCISES` with
    its duration (the durations sum to the session's), its goal and at least one usual mistake."""
    table = load_referentiel(FORMATION_TABLE) if table is None else table
    sessions = table[table["type"] == "seance"]
    if len(sessions) != 1:
        raise _formation_problem(f"une ligne « seance » attendue, {len(sessions)} trouvée(s)")
    session = sessions.iloc[0]
    phases = table[table["type"] == "phase"].sort_values("ordre", kind="stable")
    mistakes = table[table["type"] == "erreur"].sort_values(["phase", "ordre"], kind="stable")
    missing = sorted(set(EXERCISES) - set(phases["phase"]))
    if missing:
        raise _formation_problem(f"phase(s) sans ligne « phase » : {', '.join(missing)}")
    out, clock = [], {}
    for row in phases.itertuples(index=False):
        if row.phase not in EXERCISES:
            raise _formation_problem(f"phase « {row.phase} » inconnue des exercices")
        own = tuple(Mistake(m.titre, m.texte, m.correction)
                    for m in mistakes[mistakes["phase"] == row.phase].itertuples(index=False))
        if not own:
            raise _formation_problem(f"la phase {row.phase} n'a aucune erreur fréquente (ligne « erreur »)")
        start = clock.get(int(row.demi_journee), 0)
        clock[int(row.demi_journee)] = start + int(row.duree_minutes)
        out.append(SessionPhase(row.phase, row.titre, int(row.demi_journee), int(row.duree_minutes), start,
                                row.texte, own))
    total = sum(clock.values())
    if total != int(session["duree_minutes"]):
        raise _formation_problem(f"les durées des phases font {total} minutes, la séance en annonce "
                                 f"{int(session['duree_minutes'])}")
    return SessionPlan(session["titre"], int(session["duree_minutes"]), session["texte"], tuple(out))


@lru_cache(maxsize=1)
def _column_labels() -> dict[str, str]:
    """Column id -> the label a user reads (the report's tables, then the data dictionary)."""
    labels: dict[str, str] = {}
    for row in load_referentiel("dictionnaire").itertuples(index=False):
        labels.setdefault(str(row.champ), str(row.titre))
    labels.update(calculator.LABELS)
    for specs in report.SECTION_TABLES.values():
        for spec in specs:
            labels.update({column: label for column, (label, _kind) in spec.columns.items()})
    return labels


def learner_words(text: str) -> str:
    """``text`` with the Python names in parentheses removed and the column ids in « » replaced by the labels a
    user reads (« indice_representation » -> « Indice de représentation »)."""
    text = re.sub(r"\s*\(`[^`]*`\)", "", text)
    labels = _column_labels()
    return re.sub(r"« ([^»]+?) »", lambda m: f"« {labels.get(m.group(1), m.group(1))} »", text)


@dataclass(frozen=True)
class GuideExercise:
    """One exercise of the guide: the expected answer on the run's territory (``None`` when the territory cannot
    give it, or the value is hidden by the statistical secrecy: ``reason`` says why)."""

    phase: str
    question: str
    where: str
    discussion: str
    answer: str | None
    reason: str | None


def guide_exercises(tables: dict[str, pd.DataFrame]) -> list[GuideExercise]:
    """Every exercise with its expected answer computed as :func:`check` gives it (from the same protected
    tables: a hidden value is never an answer)."""
    out = []
    for phase, exercise in EXERCISES.items():
        expected = exercise.answer(tables[phase])
        answer = None if expected is None else _shown(expected, exercise.kind)
        out.append(GuideExercise(phase, exercise.question, learner_words(exercise.where),
                                 learner_words(exercise.discussion), answer,
                                 exercise.missing if expected is None else None))
    return out


def guide_context(run_dir: str | Path) -> dict:
    """What the guide and the handout show, from a finished run folder: the territory, the session plan, and
    each phase's exercise with its answer (the handout template never reads the answers)."""
    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    plan = session_plan()
    exercises = {e.phase: e for e in guide_exercises(run_tables(run_dir))}
    name = str(manifest.get("nom") or manifest.get("territoire") or run_dir.parent.parent.name)
    return {"territoire": name,
            "territoire_id": Path(str(manifest.get("parametres", {}).get("territoire", run_dir.parent.parent.name))).name,
            "default_territory": DEFAULT_TERRITORY, "annee": manifest["annee"], "run_id": run_dir.name, "plan": plan,
            "exercises": exercises}


def write_training_guide(run_dir: str | Path, folder: str = training_guide.GUIDE_DIR) -> training_guide.GuideResult:
    """The trainer's guide and the learner's handout of a finished run, written into ``<run>/<folder>/``."""
    return training_guide.write_guide(run_dir, guide_context(run_dir), folder)
