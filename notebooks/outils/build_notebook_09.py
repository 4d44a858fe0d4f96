"""Builder of notebooks/09_evaluation.ipynb (run from the repository root)."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import report_charts_cells, exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# 09 — Évaluation des clauses expérimentales

**Phase de la méthode** : Fiche C1, II.d « Valorisation des expériences réussies » : les résultats des clauses « expérimentales » sont évalués pour ajuster les démarches et développer les expériences réussies.

**Ce que lit ce notebook** : le suivi des clauses (marchés marqués `experimental`), comparé aux segments historiques (BTP, nettoyage) des mêmes années.

**Ce qu'il décide** : rien d'automatique ; il mesure les heures réalisées, les publics touchés, les nouvelles entreprises, les sorties positives et l'évolution de la diversification, pour la restitution aux acheteurs.

**Ce qu'en fait la suite** : la synthèse (10) reprend ces résultats.

*Secret statistique* : tout effectif de participants passe par le contrôle de diffusion ; un effectif trop petit, et ce qu'on en déduit (parts, heures, intervalles), est remplacé par « secret statistique »."""),
    code(cell_source("09_evaluation"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.indicators import disclosure, evaluation
from diversification.publish import charts, report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
suivi = etude.table("suivi_clauses") if etude.available("suivi_clauses") else None
display(Markdown(evaluation.status_markdown(suivi, etude.threshold)))"""),
    md("""## 1. Heures réalisées et heures prévues

Par marché expérimental : participants, heures prévues et réalisées, taux de réalisation. Un taux faible signale une clause à ajuster (volume trop ambitieux, recrutement tardif)."""),
    code("""heures = evaluation.hours_by_contract(suivi, etude.threshold)
etude.publish("evaluation_heures", heures.table)
display(report.labelled(heures.for_display(), "evaluation_heures", segment_names=True))
display(Markdown(f"*{heures.rule}* La ligne « Total » compte des personnes distinctes : une personne présente sur deux marchés n'y compte qu'une fois."))"""),
    md("""## 2. Qui en a bénéficié

Part des femmes, des seniors, des travailleurs handicapés et des diplômés (niveau 5 et plus) parmi les participants des clauses expérimentales, comparée aux segments historiques (BTP, nettoyage) des mêmes années, avec l'intervalle de confiance à 95 % (Wilson). Deux intervalles qui se chevauchent ne permettent pas de conclure à une différence."""),
    code("""profils = evaluation.profile_comparison(suivi, etude.threshold)
etude.publish("evaluation_profils", profils)
display(report.labelled(evaluation.profile_for_display(profils), "evaluation_profils"))
display(Markdown(f"*{disclosure.describe_rule(etude.threshold)}*"))"""),
    code("""graphique = charts.evaluation_profiles(profils) if len(profils) else Markdown("Pas de profil à représenter.")
graphique"""),
    md("""## 3. Les entreprises engagées pour la première fois

Une entreprise est « nouvelle » quand le suivi ne contient aucune clause à son SIRET avant l'année de son premier marché expérimental (l'historique remonte à la première année du suivi)."""),
    code("""entreprises = evaluation.new_companies(suivi)
report.labelled(entreprises, segment_names=True)"""),
    md("""## 4. Les sorties

Sorties positives (emploi durable, emploi de transition, formation), autres sorties et parcours en cours ; le taux de sorties positives se calcule sur les personnes sorties."""),
    code("""sorties, taux_sorties = evaluation.exits_comparison(suivi, etude.threshold)
etude.publish("evaluation_sorties", taux_sorties)
display(sorties.for_display())
display(report.labelled(taux_sorties, "evaluation_sorties"))
display(Markdown(f"*{sorties.rule}*"))"""),
    md("""## 5. Avant et après : la diversification progresse-t-elle ?

L'année qui précède la première expérimentation comparée à l'année étudiée : part des heures dans le BTP et le nettoyage, nombre effectif de segments (1 / IHH, phase 01) et part des femmes parmi les participants. L'évolution d'une part est une différence de deux pourcentages : elle s'écrit en **points** (de 12 % à 15,2 % : +3,2 points), jamais en %."""),
    code("""avant_apres = evaluation.before_after(suivi, etude.annee, etude.threshold)
etude.publish("evaluation_avant_apres", avant_apres)
report.labelled(evaluation.before_after_for_display(avant_apres), "evaluation_avant_apres")"""),
    md("""## Chiffres clés"""),
    code("""# NBVAL_CHECK_OUTPUT
print(evaluation.key_figures(suivi, etude.annee, etude.threshold))""", metadata={"keep_output": True}),
    *report_charts_cells(md, code, "09"),
    *exercise_cells(md, code, "09", "avant_apres"),
]
nbf.write(nb, Path(__file__).resolve().parent.parent / "09_evaluation.ipynb")  # anchored on this file, not the cwd
