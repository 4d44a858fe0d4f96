"""Builder kept for reference: writes notebooks/02_besoins_emploi_insertion.ipynb."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import report_charts_cells, exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("""# 02 — Besoins emploi et insertion : les publics prioritaires

**Phase de la méthode** : Fiche C1, II.a — « Le recensement des besoins emploi/insertion : analyser la structuration de la demande d'emploi du territoire, et identifier les publics prioritaires ».

**Ce que lit ce notebook** : les demandeurs d'emploi du territoire (par profil et métier recherché, code ROME), le suivi des clauses (participants pseudonymisés), les publics de `publics.csv` (avec leurs règles de repérage), la taxonomie des segments (`segments.csv`, métiers ROME de chaque segment) et les poids `poids_publics` de `territoire.yaml`.

**Ce qu'il décide** : les **publics prioritaires** (table de décision « Publics prioritaires »), que le territoire peut imposer par `decisions_epinglees.publics_prioritaires`.

**Ce qu'en fait la suite** : la phase 04 favorise les segments dont les métiers sont recherchés par ces publics (tableau « segment → demandeurs des publics prioritaires » ci-dessous) ; l'argumentaire (phase 05) cite les écarts de représentation."""),
    code(cell_source("02_besoins_emploi_insertion"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.decisions import registry
from diversification.indicators import demand
from diversification.publish import charts, report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
suivi = etude.table("suivi_clauses")
demandeurs = etude.table("demandeurs_emploi")"""),
    code("""Markdown(demand.year_note(suivi, demandeurs, annee) or f"Année étudiée : {annee}. Seuil du secret statistique : {etude.threshold}.")"""),
    md("""## 1. Structure de la demande d'emploi locale

### Par public

Le nombre de demandeurs d'emploi de chaque public et sa part dans l'ensemble des demandeurs de l'année. Les publics se recoupent (une femme de 55 ans est à la fois « femme » et « senior ») : les lignes ne s'additionnent pas. Chaque public est repéré par la « Règle dans la demande d'emploi » de `publics.csv`.

Si les demandeurs d'emploi viennent d'un tableau publié (France Travail, Dares) plutôt que d'une extraction qui croise les critères, chaque public est compté sur les lignes de son propre critère (lignes « Ensemble » ailleurs). Un public dont le critère manque au fichier (RQTH, RSA, QPV, niveau de diplôme…) ou qui croise deux critères non croisés dans le fichier (jeunes diplômés : âge et diplôme) est **non mesurable** : son effectif reste vide, la colonne `explication` dit pourquoi, et il n'est jamais compté zéro."""),
    code("""demande_publics = demand.protect_counts(demand.demand_by_public(demandeurs, annee), "demandeurs", etude.threshold, ["part_demandeurs"], total=False)
report.labelled(demande_publics.for_display(), "besoins_emploi_representation")"""),
    md("""### Par métier recherché

Les quinze métiers (codes ROME) les plus recherchés par les demandeurs d'emploi du territoire."""),
    code("""demande_metiers = demand.protect_counts(demand.demand_by_rome(demandeurs, annee, top=15), "demandeurs", etude.threshold, ["part_demandeurs"])
report.labelled(demande_metiers.for_display(), "besoins_emploi_demande_metiers")"""),
    code("""Markdown(demande_metiers.rule)"""),
    md("""## 2. Représentation des publics parmi les participants

**Indice de représentation** = part du public parmi les participants de l'année ÷ part du public parmi les demandeurs d'emploi. Un indice de 1 signifie que les clauses atteignent ce public autant que la demande d'emploi le laisse attendre ; en dessous de 1, le public est sous-représenté. Les participants sont repérés par la « Règle dans le suivi des clauses » de `publics.csv`, chacun compté une fois."""),
    code("""Markdown(demand.population_note(suivi, annee) or "Effectif de participants suffisant pour comparer les parts.")"""),
    code("""representation = demand.representation_table(suivi, demandeurs, annee, etude.threshold)
report.labelled(representation, "besoins_emploi_representation")"""),
    code("""charts.representation(representation)"""),
    md("""## 3. Publics prioritaires (décision)

Le score ordonne les publics : (1 − indice) × poids, nul pour un public qui n'est pas sous-représenté. Les effectifs, parts, indices et scores couverts par le secret statistique sont masqués ; la décision (rang, retenu) reste affichée."""),
    code("""Markdown(demand.retention_rule(seuil_indice))"""),
    code("""decision = registry.priority_publics(etude, seuil_indice=seuil_indice)
report.labelled(decision, "besoins_emploi_representation")"""),
    code("""Markdown(demand.decision_markdown(decision))"""),
    md("""## 4. Les métiers recherchés par les publics prioritaires, par segment d'achat

Pour chaque segment : combien de demandeurs d'emploi des publics retenus recherchent l'un de ses métiers (codes ROME de `segments.csv`), et les trois métiers qui en regroupent le plus. Un segment où ces demandeurs sont nombreux est une piste de diversification : une clause y crée des heures sur des métiers que ces publics recherchent. Un même métier peut relever de plusieurs segments : la colonne ne s'additionne pas."""),
    code("""segments_publics = demand.segments_table(demandeurs, annee, decision, etude.threshold)
report.labelled(segments_publics.for_display(), "besoins_emploi_segments")"""),
    code("""Markdown(segments_publics.rule)"""),
    code("""charts.jobseekers_by_segment(segments_publics)"""),
    code("""# NBVAL_CHECK_OUTPUT
print(demand.key_figures(decision, segments_publics))""", metadata={"keep_output": True}),
    md("""## 5. Écriture dans le dossier du run

La décision est écrite dans le dossier du run (`tables/decision_publics_prioritaires.parquet`) ; les tableaux agrégés et protégés ci-dessous dans `tables/besoins_emploi_*.parquet`. En exploration (`dossier_run` vide), rien n'est écrit."""),
    code("""etude.publish("besoins_emploi_demande_publics", demande_publics.table)
etude.publish("besoins_emploi_demande_metiers", demande_metiers.table)
etude.publish("besoins_emploi_representation", representation)
etude.publish("besoins_emploi_segments", segments_publics.table)
print("Tables écrites dans le dossier du run." if dossier_run else "Exploration : aucun fichier écrit.")"""),
    *report_charts_cells(md, code, "02"),
    *exercise_cells(md, code, "02", "representation"),
]
nb.cells = cells
nbf.write(nb, Path(__file__).resolve().parent.parent / "02_besoins_emploi_insertion.ipynb")  # anchored on this file, not the cwd
