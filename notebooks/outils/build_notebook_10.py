"""Builder of notebooks/10_synthese.ipynb (run from the repository root)."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# 10 — Synthèse et rapport d'étude

**Phase de la méthode** : Fiche C1, restitution de l'étude de diversification aux acheteurs et aux partenaires : ce qui a été constaté (01–03), ce qui a été décidé (04–06), ce qui est prévu (07–08) et ce qui a été évalué (09).

**Ce que lit ce notebook** : les tables publiées par les phases 00 à 09 dans le dossier du run (`tables/`, déjà protégées par le secret statistique), les fiches argumentaires et le manifeste du run ; jamais les données individuelles (`prive/`). En exploration (sans dossier de run), il recalcule ces tables avec les fonctions de la bibliothèque.

**Ce qu'il décide** : rien de nouveau ; il rassemble les décisions des phases précédentes en indiquant si elles ont été calculées ou épinglées par la configuration du territoire.

**Ce qu'il produit** : le rapport d'étude dans `rapport/` du dossier du run : `rapport.html` (un seul fichier, lisible sur téléphone et imprimable), `rapport.pdf` et `rapport.xlsx` (les tables clés)."""),
    code(cell_source("10_synthese"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.publish import report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
if etude.run_dir is None:
    display(Markdown(report.exploration_note(etude)))
tables = report.study_tables(etude)
contexte = report.report_context(etude, tables)
sections = contexte["sections"]"""),
    md("""## 1. L'avancement de l'étude

Une ligne par phase : réalisée, réalisée en partie (une entrée facultative manquait) ou non réalisée (une entrée indispensable manquait). Le rapport dit pourquoi, plutôt que de montrer une table vide."""),
    code("""phases = report.sections_overview(sections)
etude.publish(report.PHASES_TABLE, phases)  # read by the command line to say which phases were not done
phases"""),
    code("""Markdown(report.not_done_markdown(sections))"""),
    md("""## 2. Le point de départ : la concentration des heures d'insertion

Le graphique de la phase 01 : la part des heures réalisées par segment d'achat. Une forte part du BTP et du nettoyage justifie la démarche de diversification."""),
    code("""report.concentration_chart(sections)"""),
    md("""## 3. Les décisions de l'étude

Publics prioritaires (02), segments d'achat prioritaires (04) et marchés cibles (06) : combien sont retenus, et si la décision a été calculée par le kit ou épinglée dans `territoire.yaml` (`decisions_epinglees`)."""),
    code("""report.decisions_overview(sections)"""),
    md("""## 4. Chiffres clés

Les chiffres repris en tête du rapport."""),
    code("""print(report.key_figures_text(tables))"""),
    md("""## 5. Le rapport

Le rapport est écrit dans le dossier `rapport/` du run. Si WeasyPrint ou ses bibliothèques système (Pango) manquent, le PDF n'est pas produit : le fichier `PDF_NON_PRODUIT.txt` l'explique et le rapport HTML reste complet (il s'imprime en PDF depuis un navigateur). En exploration, rien n'est écrit."""),
    code("""resultat = report.build_report(etude, tables, contexte)
Markdown(report.report_markdown(resultat))"""),
    *exercise_cells(md, code, "10", "phases"),
]
nbf.write(nb, Path(__file__).resolve().parent.parent / "10_synthese.ipynb")  # anchored on this file, not the cwd
