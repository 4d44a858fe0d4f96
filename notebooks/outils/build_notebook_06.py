"""Builder kept for reference: writes notebooks/06_mobilisation_acheteurs.ipynb."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# 06 — Mobilisation des acheteurs : repérage des achats prévus

**Phase de la méthode** : Fiche C1, II.b « mobilisation des acheteurs » et §III (les considérations sociales adaptées au segment).

**Ce que lit ce notebook** : la programmation des achats des acheteurs partenaires (achats prévus), leurs seuils (`territoire.yaml`, sinon les seuils par défaut du kit), l'annuaire des structures inclusives, les marchés passés (DECP) et le suivi des clauses.

**Ce qu'il décide** : pour chaque achat prévu, s'il est examiné (seuil) et quelle considération sociale recommander, d'après le tableau de règles versionné `regles_recommandation.csv` ; la décision « Marchés cibles » liste les achats retenus.

**Ce qu'en fait la suite** : la phase 08 calcule les heures d'insertion des marchés ciblés ; le classeur Excel sert à la réunion avec les acheteurs."""),
    code(cell_source("06_mobilisation_acheteurs"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.publish import buyer_workbook
from diversification.decisions import registry, screening
from diversification.publish import report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
display(Markdown(screening.no_purchases_note(etude)))"""),
    md("""## 1. Les seuils d'examen

Un achat prévu est examiné quand son montant estimé atteint le seuil de sa nature : celui de l'acheteur s'il en a fixé un, sinon celui du territoire, sinon le seuil par défaut du kit (hypothèse, voir `seuils.csv`). Aucun segment n'est écarté d'avance."""),
    code("""report.labelled(screening.thresholds_table(etude.config.raw), "seuils")"""),
    md("""## 2. Les règles de recommandation

Les règles sont des données (`regles_recommandation.csv`, versionné) : la première règle, dans l'ordre, dont toutes les conditions sont remplies donne la recommandation. Inspirées de la logique du Marché de l'inclusion : beaucoup de structures locales peu dépendantes → réserver le marché ; plusieurs → réserver un lot ; au moins une → clause ; aucune → sourcing d'abord."""),
    code("""regles = screening.load_rules()
report.labelled(regles[["regle_id", "ordre", "sous_seuil", "groupes_segment", "type_structures", "nb_structures_min", "nb_structures_max", "dependance_max", "duree_min_mois", "montant_min_ht", "lots_min", "recommandation"]], "regles_recommandation")"""),
    md("""## 3. Le repérage des achats prévus

Pour chaque achat : le seuil appliqué, les structures inclusives locales du segment, la recommandation et les points d'attention (durée de moins de 2 mois, groupement probable, volumes incertains, exécution à distance, première clause de l'acheteur sur ce segment)."""),
    code("""reperage = screening.screen_study(etude)
screening.screening_for_display(reperage)"""),
    md("""### Décompte par recommandation

Le nombre d'achats prévus par recommandation (clause, marché réservé, critère social, « non retenu »), publié dans le dossier du run."""),
    code("""decompte = screening.recommendation_counts(reperage)
etude.publish("reperage_recommandations", decompte)
report.labelled(decompte, "regles_recommandation")"""),
    code("""report.labelled(screening.flag_counts(reperage))"""),
    md("""## 4. La décision : les marchés ciblés

Sont retenus les achats pour lesquels une considération sociale est recommandée (clause d'insertion, marché ou lot réservé, critère social). Une liste épinglée dans `territoire.yaml` (`decisions_epinglees.marches_cibles`) l'emporte."""),
    code("""marches = registry.target_contracts(etude, reperage)
report.labelled(marches[["id_achat", "acheteur_nom", "segment_libelle", "montant_estime_ht", "recommandation", "retenu", "origine"]], "decision_marches_cibles")"""),
    code("""# NBVAL_CHECK_OUTPUT
print(screening.key_figures(reperage, marches))""", metadata={"keep_output": True}),
    md("""## 5. Le sourcing

Pour chaque achat retenu : les structures inclusives qui servent le segment et les titulaires des marchés passés du segment, les acteurs locaux d'abord (structure implantée dans un département du territoire, ou titulaire ayant exécuté un marché du segment sur le territoire : lieu d'exécution, pas siège)."""),
    code("""sourcing = screening.sourcing_study(etude, reperage)
report.labelled(sourcing, "decision_marches_cibles")"""),
    md("""## 6. Le classeur de la réunion avec les acheteurs

La feuille « Acheteurs » (le nom de la feuille de chaque acheteur, son nom complet et son SIRET), une feuille par acheteur, « Acheteur 1 », « Acheteur 2 »… dans l'ordre de la configuration (achats, recommandation, motif, points d'attention, structures à contacter) et la feuille « Règles de recommandation », écrites dans `acheteurs/reunion_acheteurs.xlsx` du dossier du run. En exploration, rien n'est écrit."""),
    code("""classeur = buyer_workbook.write_workbook(reperage, sourcing, etude.config.acheteurs, dossier_run, rules=regles)
print(f"Classeur écrit : {classeur.name}" if classeur else "Exploration : aucun fichier écrit.")"""),
    *exercise_cells(md, code, "06", "decompte"),
]
nbf.write(nb, Path(__file__).resolve().parent.parent / "06_mobilisation_acheteurs.ipynb")  # anchored on this file, not the cwd
