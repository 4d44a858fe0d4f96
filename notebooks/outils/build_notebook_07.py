"""Builder of notebooks/07_partenariat_territorial.ipynb (run from the repository root)."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import report_charts_cells, exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# 07 — Partenariat territorial

**Phase de la méthode** : Fiche C1, II.c « Renouveler le partenariat territorial selon le nouveau secteur considéré » (avec les démarches de II.b et II.d qui s'y rattachent).

**Ce que lit ce notebook** : la décision « Segments prioritaires » (phase 04), le référentiel des fédérations, organismes de formation et partenaires emploi (`federations_formation.csv`), l'annuaire des structures inclusives du territoire et les étapes génériques du plan d'actions (`plan_actions_partenariat.csv`).

**Ce qu'il décide** : pour chaque segment prioritaire, qui impliquer, qui porte chaque action et quand (trimestres de l'année qui suit l'année étudiée).

**Ce qu'en fait la suite** : le calcul des volumes d'insertion (08) porte sur les marchés de ces segments ; le bilan de l'expérimentation (dernière étape du plan) est préparé par le notebook 09."""),
    code(cell_source("07_partenariat_territorial"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.decisions import partnership, registry
from diversification.publish import report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
structures = etude.table("structures_inclusives") if etude.available("structures_inclusives") else None"""),
    md("""## 1. Les segments prioritaires retenus

Décision de la phase 04 (lue dans le dossier du run, ou recalculée avec les réglages par défaut en exploration). La colonne `origine` dit si la liste a été calculée ou épinglée dans `territoire.yaml`."""),
    code("""decision = registry.priority_segments(etude)
segments = partnership.retained_segments(decision)
display(Markdown(partnership.no_segment_note(decision) or partnership.structures_note(etude) or "Segments retenus ci-dessous."))
report.labelled(partnership.retained_table(decision), "decision_segments_prioritaires")"""),
    md("""## 2. Qui mobiliser, segment par segment

Nombre de fédérations professionnelles, d'organismes de formation et de partenaires emploi-insertion recensés par le référentiel du kit, et de structures inclusives du territoire capables d'intervenir. Un segment sans structure locale demande d'élargir le sourcing (départements voisins, réseau national)."""),
    code("""report.labelled(partnership.partners_summary(segments, structures), "segments")"""),
    md("""Le détail des acteurs sectoriels (référentiel national du kit, à compléter par les acteurs locaux) :"""),
    code("""report.labelled(partnership.sector_actors(segments), "segments")"""),
    md("""Les structures inclusives locales (SIAE, entreprises adaptées, ESAT, GEIQ) par segment :"""),
    code("""report.labelled(partnership.local_structures(structures, segments), "segments")"""),
    md("""## 3. Le plan d'actions

Une ligne par segment et par étape : qui porte l'action (« Responsable »), quels partenaires y associer (« Partenaires »), lesquels contacter nommément et quand. Les étapes et leur calendrier viennent de `plan_actions_partenariat.csv` (hypothèses du kit, à adapter au calendrier réel des consultations)."""),
    code("""plan = partnership.action_plan(segments, etude.annee, structures)
etude.publish("plan_actions_partenariat", plan)
report.labelled(plan, "plan_actions_partenariat")"""),
    md("""## 4. Le calendrier

Chaque barre est une étape, colorée selon son responsable. Le calendrier est le même pour tous les segments ; décalez-le segment par segment selon la date de lancement des consultations."""),
    code("""figure, donnees_figure = partnership.chart_timeline(etude.annee)
figure"""),
    md("""## Chiffres clés"""),
    code("""# NBVAL_CHECK_OUTPUT
print(partnership.key_figures(segments, plan, partnership.local_structures(structures, segments)))""", metadata={"keep_output": True}),
    *report_charts_cells(md, code, "07"),
    *exercise_cells(md, code, "07", "plan"),
]
nbf.write(nb, Path(__file__).resolve().parent.parent / "07_partenariat_territorial.ipynb")  # anchored on this file, not the cwd
