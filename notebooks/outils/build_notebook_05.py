"""Builder kept for reference: writes notebooks/05_argumentaire.ipynb."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# 05 — Argumentaires pour les acheteurs

**Phase de la méthode** : Fiche C1, II.a « préparation d'un argumentaire » (avec les exemples de la Fiche C1 §III).

**Ce que lit ce notebook** : les décisions des phases précédentes (publics prioritaires, phase 02 ; segments prioritaires, phase 04), la concentration des heures d'insertion (phase 01), les demandeurs d'emploi par métier, les achats prévus et les références juridiques du kit.

**Ce qu'il produit** : un argumentaire par acheteur partenaire et par segment prioritaire retenu : cadre juridique adapté au type d'acheteur, chiffres du rééquilibrage, opportunités pour chaque public prioritaire, adaptations utiles au segment, exemples de la Fiche C1.

**Ce qu'en fait la suite** : le facilitateur s'appuie sur ces fiches pour rencontrer les acheteurs ; la phase 06 examine leurs achats prévus un par un."""),
    code(cell_source("05_argumentaire"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import HTML, Markdown, display

from diversification.decisions import arguments, registry, screening
from diversification.publish import documents, report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)"""),
    md("""## 1. Les décisions des phases précédentes

Les publics prioritaires (phase 02) et les segments prioritaires (phase 04) sont relus dans le dossier du run, ou recalculés en exploration. Une décision épinglée dans `territoire.yaml` l'emporte sur le calcul (colonne « Origine »)."""),
    code("""publics = registry.priority_publics(etude)
report.labelled(publics[["public_id", "libelle", "indice_representation", "retenu", "origine"]], "besoins_emploi_representation")"""),
    code("""segments = registry.priority_segments(etude)
report.labelled(segments[["segment_id", "libelle", "rang", "score", "retenu", "origine"]], "decision_segments_prioritaires")"""),
    md("""## 2. Les chiffres du rééquilibrage

La part des heures d'insertion réalisées dans le BTP et le nettoyage et le nombre effectif de segments (phase 01) montrent au décideur la concentration actuelle ; les publics sous-représentés parmi les participants (phase 02) montrent qui les clauses laissent de côté. Les effectifs sont soumis au secret statistique."""),
    code("""chiffres = arguments.territory_figures(etude.table("suivi_clauses") if etude.available("suivi_clauses") else None, etude.annee)
laisses = arguments.left_out_publics(publics)
display(Markdown(chiffres["explication"] or f"Part des heures BTP + nettoyage : **{chiffres['part_construction_nettoyage']}** ; nombre effectif de segments : **{chiffres['nombre_effectif'] or 'non calculable'}**."))"""),
    md("""## 3. Les argumentaires

Une fiche par acheteur partenaire et par segment retenu. Les achats prévus de l'acheteur dans le segment (repérés en phase 06) y sont rappelés avec la recommandation."""),
    md("""### Fiches argumentaires

Le tableau « Fiches argumentaires » : une ligne par fiche, avec l'acheteur, le segment et le fichier écrit dans le dossier du run. Il est publié dans le dossier du run (le corrigé des exercices le relit)."""),
    code("""reperage = screening.screen_study(etude)
fiches = arguments.build_sheets(etude, publics, segments, reperage)
liste_fiches = arguments.sheets_table(fiches)
etude.publish("argumentaires_fiches", liste_fiches)
liste_fiches"""),
    code("""# NBVAL_CHECK_OUTPUT
print(arguments.key_figures(fiches, chiffres, laisses))""", metadata={"keep_output": True}),
    md("""### Exemple : la première fiche

Ce qui s'affiche ci-dessous est exactement ce qu'ouvrira l'acheteur (toutes les valeurs venant des fichiers sont échappées : un nom contenant du code HTML s'affiche comme du texte)."""),
    code("""display(HTML(fiches[0].fragment) if fiches else Markdown(arguments.no_sheet_note(etude.config.acheteurs)))"""),
    md("""## 4. Écriture dans le dossier du run

Chaque fiche est écrite dans `argumentaires/<siret de l'acheteur>_<segment>.html`. En exploration (`dossier_run` vide), rien n'est écrit."""),
    code("""ecrits = documents.write_sheets(fiches, dossier_run)
print(f"{len(ecrits)} argumentaire(s) écrit(s) dans le dossier du run." if dossier_run else "Exploration : aucun fichier écrit.")"""),
    *exercise_cells(md, code, "05", "liste_fiches"),
]
nbf.write(nb, Path(__file__).resolve().parent.parent / "05_argumentaire.ipynb")  # anchored on this file, not the cwd
