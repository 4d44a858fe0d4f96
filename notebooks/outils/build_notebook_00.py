"""One-off builder kept for reference: writes notebooks/00_controle_donnees.ipynb."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("""# 00 — Contrôle des données du territoire

**Phase de la méthode** : avant toute analyse (préalable à l'état des lieux de la Fiche C1, II.a).

**Ce que lit ce notebook** : la configuration du territoire (`territoire.yaml`) et toutes ses entrées : suivi des clauses, demandeurs d'emploi, métiers en tension (BMO), données de la commande publique (DECP), achats prévus, structures inclusives.

**Ce qu'il décide** : quelles lignes sont utilisables. Chaque ligne écartée l'est avec un motif en français (fichier, ligne, colonne, valeur) ; rien n'est supprimé en silence.

**Ce qu'en fait la suite** : les phases 01 à 10 lisent les tables contrôlées écrites dans le dossier du run. Une entrée absente ou illisible n'arrête pas l'étude : les phases qui en ont besoin le disent.

*Données personnelles* : les identifiants des participants sont pseudonymisés dès le chargement ; les lignes par participant et le fichier des rejets restent dans le sous-dossier `prive/` du run."""),
    code(cell_source("00_controle_donnees"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.inputs import quality, schemas
from diversification.publish import documents, report

controle = quality.check_territory(territoire, annee)"""),
    md("""## 1. Ce qui a été lu, accepté et rejeté

Pour chaque entrée : le ou les fichiers lus, le statut (`chargée`, `absente`, `illisible`), les lignes lues, acceptées et rejetées, les doublons retirés et les valeurs signalées (ligne conservée mais valeur à vérifier : SIRET dont la clé est fausse, montant aberrant exclu des totaux…)."""),
    code("""# NBVAL_CHECK_OUTPUT
print(quality.key_figures(controle))""", metadata={"keep_output": True}),
    code("""report.labelled(controle.synthese, "controle_synthese")"""),
    md("""## 2. Pourquoi des lignes ont été écartées

Nombre de lignes rejetées ou de valeurs signalées, par entrée, colonne et motif. Le détail ligne par ligne est dans `prive/rejets.csv` (il peut citer des valeurs personnelles : il reste dans l'espace privé du run)."""),
    code("""report.labelled(controle.motifs, "controle_motifs_rejet")"""),
    md("""## 3. Couverture

Les années présentes dans chaque entrée, les acheteurs partenaires de la configuration et les segments d'achat couverts. Un acheteur partenaire sans marché publié, ou une année étudiée absente du suivi, limite les analyses suivantes."""),
    code("""report.labelled(controle.annees, "controle_couverture_annees")"""),
    code("""report.labelled(controle.acheteurs, "controle_couverture_acheteurs")"""),
    code("""report.labelled(controle.segments, "controle_couverture_segments")"""),
    md("""## 4. Avertissements"""),
    code("""display(Markdown(quality.warnings_markdown(controle)))"""),
    md("""## 5. Écriture dans le dossier du run

Les tables contrôlées (Parquet) sont écrites dans `donnees/` (et `prive/` pour le suivi par participant), les tables de contrôle dans `tables/`, les rejets dans `prive/rejets.csv`. En exploration (`dossier_run` vide), rien n'est écrit."""),
    code("""ecrits = documents.write_check_outputs(controle, dossier_run) if dossier_run else []
print(f"{len(ecrits)} fichier(s) écrit(s) dans le dossier du run." if dossier_run else "Exploration : aucun fichier écrit.")"""),
    md("""## Pour aller plus loin : le format attendu du suivi des clauses

Le dictionnaire des colonnes ci-dessous sert aussi aux messages d'erreur. Les autres entrées ont chacune le leur, avec les mêmes rubriques."""),
    code("""report.labelled(schemas.data_dictionary(schemas.SUIVI_CLAUSES))"""),
    *exercise_cells(md, code, "00", "controle.synthese"),
]
nb.cells = cells
nbf.write(nb, Path(__file__).resolve().parent.parent / "00_controle_donnees.ipynb")  # anchored on this file, not the cwd
