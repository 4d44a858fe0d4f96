"""Builder kept for reference: writes notebooks/01_etat_des_lieux.ipynb."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import report_charts_cells, exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("""# 01 — État des lieux des clauses sociales

**Phase de la méthode** : Fiche C1, II.a — « En préalable : réaliser un état des lieux et identifier les axes de progrès ».

**Ce que lit ce notebook** : le suivi des clauses (heures prévues et réalisées, participants pseudonymisés), les demandeurs d'emploi du territoire, la taxonomie des segments d'achats (`segments.csv`) et les règles des axes de progrès (`regles_axes_progres.csv`).

**Ce qu'il établit** : où se réalisent les heures d'insertion (segments, années, acheteurs, entreprises), à quel point elles sont concentrées, qui en bénéficie par rapport aux demandeurs d'emploi, et les axes de progrès qui en découlent, rédigés par des règles explicites.

**Ce qu'en fait la suite** : la phase 02 mesure la sous-représentation de chaque public et choisit les publics prioritaires ; les phases 03 et 04 s'appuient sur la concentration constatée ici pour choisir les segments à ouvrir.

*Données personnelles* : tout effectif de participants passe par le secret statistique (règle rappelée sous chaque tableau) ; aucune ligne individuelle n'est affichée."""),
    code(cell_source("01_etat_des_lieux"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.indicators import concentration, demand, findings, profiles
from diversification.publish import charts, report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
suivi = etude.table("suivi_clauses")
demandeurs = etude.table("demandeurs_emploi")"""),
    code("""Markdown(demand.year_note(suivi, demandeurs, annee) or f"Année étudiée : {annee}. Seuil du secret statistique : {etude.threshold}.")"""),
    md("""## 1. Les heures d'insertion par segment d'achat

Pour l'année étudiée : le nombre de participants (personnes distinctes), les heures prévues, les heures réalisées, le taux de réalisation et la part de chaque segment dans les heures réalisées. Le facilitateur y lit sur quels segments repose aujourd'hui le dispositif ; la Fiche C1 constate qu'il s'agit le plus souvent du BTP et du nettoyage."""),
    code("""heures_segment = concentration.hours_table(suivi, "segment", etude.threshold, annee=annee)
report.labelled(heures_segment.for_display(), "etat_des_lieux_heures_segment")"""),
    code("""Markdown(heures_segment.rule)"""),
    code("""charts.hours_by_segment(heures_segment)"""),
    md("""## 2. Les heures par année, par acheteur et par entreprise

L'évolution des volumes d'une année sur l'autre, puis, pour l'année étudiée, les acheteurs qui portent les clauses et les entreprises qui réalisent les heures. Une forte dépendance à quelques entreprises fragilise le dispositif (Fiche C1 : « rééquilibrer le portage économique »)."""),
    code("""heures_annee = concentration.hours_table(suivi, "annee", etude.threshold)
report.labelled(heures_annee.for_display(), "etat_des_lieux_heures_annee")"""),
    code("""heures_acheteur = concentration.hours_table(suivi, "acheteur", etude.threshold, annee=annee)
report.labelled(heures_acheteur.for_display(), "etat_des_lieux_heures_acheteur")"""),
    code("""heures_entreprise = concentration.hours_table(suivi, "entreprise", etude.threshold, annee=annee)
report.labelled(heures_entreprise.for_display().head(10), "etat_des_lieux_heures_entreprise")"""),
    md("""## 3. Concentration des heures

Quatre mesures, reprises telles quelles dans le rapport d'étude :

- **part du BTP et du nettoyage** : heures des segments dont le groupe est « construction » ou « nettoyage » dans `segments.csv`, rapportées à toutes les heures ;
- **indice de Herfindahl-Hirschman (IHH)** : somme des carrés des parts de chaque segment, entre 1/n (heures également réparties sur n segments) et 1 (un seul segment) ;
- **nombre effectif de segments** (1 / IHH) : le nombre de segments de même taille qui donnerait la même concentration ;
- **part des cinq premières entreprises** dans les heures.

Un indicateur sans signification (un seul segment, cinq entreprises ou moins) n'est pas calculé : la raison est donnée."""),
    code("""indicateurs = concentration.concentration_indicators(suivi, annee=annee)
report.labelled(concentration.indicators_for_display(indicateurs), "etat_des_lieux_indicateurs")"""),
    md("""### Évolution sur les années du suivi"""),
    code("""tendance = concentration.concentration_trend(suivi)
report.labelled(tendance, "etat_des_lieux_tendance")"""),
    code("""Markdown(concentration.trend_markdown(tendance))"""),
    code("""charts.concentration_trend(tendance)"""),
    md("""## 4. Profil des bénéficiaires et des demandeurs d'emploi

Pour chaque caractéristique (sexe, âge, qualification, RQTH, QPV, statut), la part des participants de l'année et celle des demandeurs d'emploi du territoire, et l'écart en points. Un écart fortement négatif signale un public que les clauses atteignent peu. Le statut d'éligibilité n'a pas d'équivalent dans l'extraction des demandeurs d'emploi."""),
    code("""Markdown(profiles.profile_note(suivi, annee))"""),
    code("""profil = profiles.profile_table(suivi, demandeurs, annee, etude.threshold)
report.labelled(profil.for_display(), "etat_des_lieux_profil")"""),
    code("""Markdown(profil.rule)"""),
    code("""charts.participant_profile(profil, "Sexe")"""),
    code("""charts.participant_profile(profil, "Niveau de qualification")"""),
    md("""## 5. Axes de progrès

Les constats ci-dessous ne sont pas rédigés à la main : chacun vient d'une règle explicite de `data_samples/referentiels/regles_axes_progres.csv` (indicateur, comparaison, seuil, justification, source). Le facilitateur peut discuter un seuil et le modifier dans ce fichier. Une règle dont l'indicateur n'est pas calculable (ou couvert par le secret statistique) le dit au lieu de se déclencher.

Les indices de représentation (part d'un public parmi les participants ÷ sa part parmi les demandeurs d'emploi) sont détaillés dans la phase 02."""),
    code("""representation = demand.representation_table(suivi, demandeurs, annee, etude.threshold)
tous_indicateurs = findings.combine_indicators(indicateurs, demand.representation_indicators(representation))
axes = findings.evaluate_rules(tous_indicateurs)
Markdown(findings.findings_markdown(axes))"""),
    code("""report.labelled(findings.rules_for_display(indicators=tous_indicateurs), "regles_axes_progres")"""),
    code("""# NBVAL_CHECK_OUTPUT
print(findings.key_figures(tous_indicateurs, axes))""", metadata={"keep_output": True}),
    md("""## 6. Écriture dans le dossier du run

Tables agrégées et protégées par le secret statistique (`tables/etat_des_lieux_*.parquet`). En exploration (`dossier_run` vide), rien n'est écrit."""),
    code("""etude.publish("etat_des_lieux_heures_segment", heures_segment.table)
etude.publish("etat_des_lieux_heures_annee", heures_annee.table)
etude.publish("etat_des_lieux_heures_acheteur", heures_acheteur.table)
etude.publish("etat_des_lieux_heures_entreprise", heures_entreprise.table)
etude.publish("etat_des_lieux_indicateurs", tous_indicateurs)
etude.publish("etat_des_lieux_tendance", tendance)
etude.publish("etat_des_lieux_profil", profil.table)
etude.publish("etat_des_lieux_axes_progres", axes)
print("Tables écrites dans le dossier du run." if dossier_run else "Exploration : aucun fichier écrit.")"""),
    *report_charts_cells(md, code, "01"),
    *exercise_cells(md, code, "01", "indicateurs"),
]
nb.cells = cells
nbf.write(nb, Path(__file__).resolve().parent.parent / "01_etat_des_lieux.ipynb")  # anchored on this file, not the cwd
