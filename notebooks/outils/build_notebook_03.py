"""Builder kept for reference: writes notebooks/03_besoins_economiques.ipynb (run from the repository root)."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import report_charts_cells, exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("""# 03 — Besoins économiques

**Phase de la méthode** : Fiche C1, II.a — recensement des besoins économiques du territoire.

**Ce que lit ce notebook** : les marchés passés des acheteurs (données essentielles de la commande publique, DECP), la programmation des achats prévus, l'enquête Besoins en main-d'œuvre (BMO) et la correspondance métiers FAP-ROME → segments.

**Ce qu'il établit** : pour chaque segment d'achat, le volume acheté, la part des marchés qui portent déjà une considération sociale (comparée aux références nationales), les achats à venir et les besoins de recrutement des métiers du segment (métiers en tension, métiers de la transition écologique).

**Ce qu'en fait la suite** : le tableau « Besoins de recrutement par segment (BMO) » et les volumes d'achats alimentent le score multicritère des segments (notebook 04)."""),
    code(cell_source("03_besoins_economiques"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.indicators import purchases
from diversification.publish import report
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)
decp = etude.table("decp")
acheteurs = etude.config.acheteurs"""),
    md("""## 1. Les achats passés, par acheteur

Nombre de marchés, montant (montants jugés valides seulement, après modifications) et part des marchés qui portent une **considération sociale** : clause sociale, critère social d'attribution ou marché réservé. Les acheteurs partenaires de la configuration viennent d'abord ; les autres acheteurs publiés dans les DECP du territoire sont regroupés."""),
    code("""display(Markdown(purchases.unknown_status_note(decp)))"""),
    code("""report.labelled(purchases.purchases_by_buyer(decp, acheteurs))"""),
    md("""## 2. Le territoire au regard des références nationales

Les parts du territoire à côté des repères nationaux : recensements de l'OECP (part des marchés de 90 000 € HT et plus avec une clause sociale : en nombre et en montant en 2019, en nombre en 2023, dernier recensement avant le passage aux données essentielles) et objectif du PNAD 2022-2025 (30 % des contrats avec au moins une considération sociale en 2025). La mesure du territoire compte toutes les considérations sociales (clause, critère, marché réservé) : elle est un peu plus large que la clause seule de l'OECP."""),
    code("""report.labelled(purchases.compare_with_references(decp, acheteurs))"""),
    md("""## 3. Par segment d'achat

Les segments où la considération sociale est rare alors que les volumes sont importants sont des pistes de diversification."""),
    code("""par_segment = purchases.purchases_by_segment(decp, acheteurs)
report.labelled(par_segment, "segments")"""),
    code("""figure, donnees_figure = purchases.chart_social_share(par_segment)
figure"""),
    md("""### Détail par acheteur, segment, nature et année

La table complète, pour retrouver un acheteur ou une année (les années anciennes au format DECP 2019 ont souvent une considération sociale « inconnue »)."""),
    code("""report.labelled(purchases.past_purchases(decp, acheteurs))"""),
    md("""## 4. Les achats prévus

La programmation des acheteurs partenaires, par segment (déduit du code CPV) et par acheteur : ce sont les marchés sur lesquels une clause peut encore être prévue."""),
    code("""achats_prevus = purchases.study_planned(etude)
display(Markdown(purchases.planned_note(achats_prevus, etude)))"""),
    code("""report.labelled(purchases.planned_by_segment(achats_prevus), "segments") if achats_prevus is not None else None"""),
    md("""## 5. Métiers en tension et métiers de la transition écologique

Les projets de recrutement de l'enquête BMO, rattachés aux segments par la table FAP → ROME → segment (nomenclature FAP 2009 ou FAP 2021 selon l'enquête, tables de passage de la DARES) ; les métiers que la table ne rattache à aucun segment sont listés à part, jamais écartés en silence. Un segment dont les métiers recrutent difficilement intéresse les entreprises : la clause y répond à un besoin. Les valeurs sous secret statistique (« * ») restent manquantes."""),
    code("""metiers = purchases.study_trades(etude)
display(Markdown(purchases.study_tension_note(metiers, etude)))
sans_segment = purchases.unmatched_trades(metiers)
if len(sans_segment):  # trades left out of the table by segment: shown, and kept in the run
    etude.publish("metiers_bmo_sans_segment", sans_segment)
    display(report.labelled(sans_segment, "metiers_bmo_sans_segment"))"""),
    code("""opportunites = purchases.segment_opportunities(metiers)
etude.publish("opportunites_segments", opportunites)
report.labelled(opportunites, "opportunites_segments")"""),
    code("""figure_opportunites, donnees_opportunites = purchases.chart_opportunities(opportunites)
figure_opportunites"""),
    md("""## 6. Le territoire parmi ses pairs

Un acheteur se convainc par la comparaison : « les départements comparables au vôtre mettent une considération sociale dans un marché de nettoyage sur trois ; vous, un sur dix ». Le fichier national des DECP (export tabulaire consolidé, clé `decp_nationale` de `territoire.yaml`) donne, pour chaque département et chaque segment d'achat, le nombre de marchés et la part de ceux qui portent une considération sociale. Le département du territoire y est comparé à tous les départements (rang national) et à ses pairs : les départements de la même tranche de taille (`bandes_pairs.csv`), ou la liste `pairs` de `territoire.yaml`. Pour chaque segment : la part du territoire, la médiane et les quartiles des pairs, l'écart à la médiane (en points), les rangs, et un pair en avance avec un acheteur public qui y recourt déjà (les DECP sont des données ouvertes : les acheteurs sont nommés). Les indicateurs sont calculés une fois par fichier national (cache Parquet, empreinte SHA-256 du fichier)."""),
    code("""from diversification.indicators import peer_cache, peers
from diversification.inputs.paths import decp_cache_dir
from diversification.inputs.segments import segment_labels

parmi_les_pairs = peer_cache.study_peers(etude.config, decp_cache_dir(), segment_labels())
publiees_pairs = [etude.publish(nom_table, table_pairs) for nom_table, table_pairs in parmi_les_pairs.items()]
display(Markdown(parmi_les_pairs[peers.NOTE_NAME]["remarque"].iloc[0]))"""),
    code("""peers.table_for_display(parmi_les_pairs[peers.TABLE_NAME]) if peers.TABLE_NAME in parmi_les_pairs else None"""),
    code("""figure_pairs = (peers.chart_peers(parmi_les_pairs[peers.DISTRIBUTION_NAME], segment_labels())
                if peers.DISTRIBUTION_NAME in parmi_les_pairs else None)
figure_pairs"""),
    md("""## Chiffres clés"""),
    code("""# NBVAL_CHECK_OUTPUT
print(purchases.key_figures(decp, acheteurs, achats_prevus, metiers))""", metadata={"keep_output": True}),
    *report_charts_cells(md, code, "03"),
    *exercise_cells(md, code, "03", "opportunites"),
]
nb.cells = cells
nbf.write(nb, Path(__file__).resolve().parent.parent / "03_besoins_economiques.ipynb")  # anchored on this file, not the cwd
