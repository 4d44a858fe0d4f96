"""Builder of notebooks/08_volumes_insertion.ipynb (run from the repository root)."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
    md("""# 08 — Volumes d'insertion adaptés

**Phase de la méthode** : Fiche C1, II.d « Expérimenter concrètement la clause sur de nouveaux segments d'achat » : des volumes d'insertion adaptés, prévus « à minima ».

**Ce que lit ce notebook** : la décision « Marchés cibles » (phase 06) ou, à défaut, les achats prévus des segments prioritaires (phase 04) ; les parts de main-d'œuvre des segments (`segments.csv`) et les paramètres de calcul (`parametres.csv`, `parametres_heures.csv`).

**Ce qu'il décide** : pour chaque marché ciblé, une estimation basse, centrale et haute des heures d'insertion et un **volume recommandé** sécurisé, avec des alertes (trop peu d'heures, durée trop courte, groupement probable…). Table publiée : `tables/volumes_insertion`.

**Ce qu'en fait la suite** : les volumes recommandés alimentent la rédaction des clauses (plan d'actions du 07) ; le notebook 09 comparera, pour les clauses expérimentales, les heures réalisées aux heures prévues."""),
    code(cell_source("08_volumes_insertion"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.indicators import calculator, hours
from diversification.decisions import registry
from diversification.inputs import hand_choices
from diversification.publish import report, widgets
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
parametres = hours.load_parameters(etude.config.get("parametres"))"""),
    md("""## 1. Les marchés ciblés

D'où viennent les marchés dont on calcule les heures : la décision de la phase 06 quand elle existe, sinon les achats prévus des segments prioritaires."""),
    code("""segments = registry.retained_segment_ids(etude)
cibles, note_cibles = registry.targeted_contracts(etude)
display(Markdown(note_cibles))"""),
    md("""## 2. Les règles de calcul

**Méthode classique** : montant HT × part de main-d'œuvre × taux d'insertion ÷ coût horaire, **arrondi à l'heure inférieure** (1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833,33 → 833 h).

**Méthode adaptée** (Fiche C1 II.d), pour les segments où la méthode classique trompe : accord-cadre → seul le **minimum garanti** compte dans l'estimation basse ; moyens humains estimés (ETP × mois × 151,67 h × part du travail qu'une recrue peut faire) ; remplacements de congés d'été (semaines × ETP × 35 h × part remplaçable). Ces deux dernières bases demandent des informations du sourcing : elles se règlent dans la calculatrice.

**Volume recommandé** : l'estimation basse si elle atteint le minimum d'un emploi ; sinon ce minimum si l'estimation centrale l'atteint (à confirmer avec l'acheteur) ; sinon aucun volume (marché signalé). Les paramètres utilisés :"""),
    code("""report.labelled(hours.parameters_table(parametres), "parametres_heures")"""),
    md("""## 3. Les volumes par marché

Une ligne par marché ciblé : les trois estimations, le volume recommandé, la règle appliquée et les alertes."""),
    code("""choix = hand_choices.volume_choices(etude.config)
registry.publish_hand_choices(etude, "volumes_insertion")
volumes = hours.insertion_volumes(cibles, parametres, choix)
etude.publish("volumes_insertion", volumes)
report.labelled(volumes, "volumes_insertion", segment_names=True)"""),
    md("""Totaux par segment : ce que l'expérimentation peut promettre, segment par segment."""),
    code("""report.labelled(hours.volumes_summary(volumes), "volumes_insertion", segment_names=True)"""),
    md("""## 4. Les alertes à traiter avec l'acheteur

Trop peu d'heures pour faire un emploi, durée trop courte, réponse en groupement probable, accord-cadre sans minimum connu, heures réalisées loin de l'acheteur."""),
    code("""report.labelled(hours.warnings_table(volumes), "volumes_insertion", segment_names=True)"""),
    md("""## 5. Calculatrice pour un marché

Les valeurs de départ sont celles du premier marché ciblé (la calculatrice donne alors exactement la première ligne du tableau ci-dessus). Modifiez-les pour explorer un scénario (ETP connus après le sourcing, congés d'été à remplacer…) : le tableau enregistré n'en est pas modifié, sauf si vous cliquez « Retenir ce volume », qui écrit les valeurs modifiées dans `territoire.yaml` (clé `choix_a_la_main`, avec la date et votre commentaire) ; relancez alors le notebook, puis les phases suivantes (ou `diversification etude`)."""),
    code("""premier = calculator.first_target(cibles)
calculatrice = calculator.calculator(premier, parametres, choix)
widgets.calculator_retainer(calculatrice, etude.config, None if premier is None else str(premier["id_achat"]))"""),
    code("""report.labelled(calculator.result_table(calculatrice.result))"""),
    md("""## Chiffres clés"""),
    code("""# NBVAL_CHECK_OUTPUT
print(hours.key_figures(volumes))""", metadata={"keep_output": True}),
    *exercise_cells(md, code, "08", "volumes"),
]
nbf.write(nb, Path(__file__).resolve().parent.parent / "08_volumes_insertion.ipynb")  # anchored on this file, not the cwd
