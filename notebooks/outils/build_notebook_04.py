"""Builder kept for reference: writes notebooks/04_secteurs_prioritaires.ipynb (run from the repository root)."""
from pathlib import Path

import nbformat as nbf
from diversification.inputs.parameters import cell_source
from cellules_communes import report_charts_cells, exercise_cells

nb = nbf.v4.new_notebook()
nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
nb.metadata["language_info"] = {"name": "python"}
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = [
    md("""# 04 — Secteurs prioritaires

**Phase de la méthode** : Fiche C1, II.a — identification des secteurs prioritaires.

**Ce que lit ce notebook** : les publics prioritaires retenus en phase 02, les achats passés et prévus (phase 03), les métiers en tension, les demandeurs d'emploi, l'annuaire des structures inclusives, les priorités politiques et les poids de la configuration (`territoire.yaml`).

**Ce qu'il décide** : la liste des segments d'achat prioritaires (table de décision « Segments prioritaires »), à partir d'un score multicritère dont chaque critère et chaque poids sont documentés, avec la robustesse du classement aux poids.

**Ce qu'en fait la suite** : les argumentaires (05), la mobilisation des acheteurs (06) et le partenariat (07) portent sur les segments retenus."""),
    code(cell_source("04_secteurs_prioritaires"), metadata={"tags": ["parameters"]}),
    code("""from IPython.display import Markdown, display

from diversification.indicators import ecosystem, purchases
from diversification.decisions import registry, scoring
from diversification.inputs import hand_choices
from diversification.publish import report, widgets
from diversification.publish.study import open_study

etude = open_study(territoire, annee, dossier_run)"""),
    md("""## 1. Les publics prioritaires

Décision de la phase 02 (ou épinglée par la configuration) : le critère « adéquation avec les publics » compte les demandeurs d'emploi de ces publics qui recherchent les métiers de chaque segment."""),
    code("""publics = registry.priority_publics(etude)
display(Markdown(registry.source_note("publics_prioritaires")))
report.labelled(publics[["public_id", "libelle", "retenu", "origine"]], "besoins_emploi_representation")"""),
    md("""## 2. Les critères et leurs poids

Chaque critère est ramené entre 0 et 1 sur l'ensemble des segments (min-max ; inversé pour la couverture par les clauses : moins un segment est couvert, plus il est prioritaire). Les poids par défaut sont des hypothèses du kit ; la clé `poids_criteres` de `territoire.yaml` les remplace."""),
    code("""poids = scoring.configured_weights(etude.config)
registry.publish_hand_choices(etude, "poids_criteres")
report.labelled(scoring.weights_table(poids, overrides=etude.config.get("poids_criteres"),
                                      hand=hand_choices.weights_choice(etude.config)), "criteres_priorisation")"""),
    md("""### Valeurs brutes des critères

Volume d'achats en euros par an, intensité de main-d'œuvre, demandeurs d'emploi des publics prioritaires, part de projets difficiles, part des marchés avec considération sociale, offre inclusive, métiers verts, priorité politique."""),
    code("""criteres = scoring.criteria_from_study(etude, publics)
display(Markdown(scoring.criteria_note(criteres)))
report.labelled(criteres, "segments")"""),
    md("""## 3. Explorer les poids

Les curseurs permettent de tester d'autres poids en séance avec le comité de pilotage : le classement affiché sous les curseurs se met à jour. Le bouton « Retenir ces pondérations » les écrit dans `territoire.yaml` (clé `choix_a_la_main`, avec la date et votre commentaire) : relancez alors le notebook, puis les phases suivantes (ou `diversification etude`), qui les utiliseront ; le rapport dira qu'elles ont été choisies à la main. Sans clic, le classement enregistré reste celui des poids de la configuration."""),
    code("""panneau = widgets.weight_panel(criteres, poids, top_n=top_n, seed=graine, config=etude.config)
display(panneau.widget)"""),
    md("""## 4. Le classement et la décision

Score = moyenne pondérée des critères mesurés du segment ; les `top_n` premiers sont retenus, sauf si la configuration épingle la décision."""),
    code("""segments = registry.priority_segments(etude, criteria=criteres, weights=poids, top_n=top_n, seed=graine)
display(Markdown(scoring.decision_note(segments, top_n)))
report.labelled(segments, "decision_segments_prioritaires")"""),
    md("""## 5. Robustesse du classement

Chaque poids est multiplié par un facteur tiré au hasard entre 0,75 et 1,25 (1 000 tirages, graine fixée) : la barre donne la part des tirages où le segment reste parmi les `top_n` premiers. Un segment proche de 100 % est retenu quels que soient les réglages raisonnables ; un segment autour de 50 % se discute."""),
    code("""figure, donnees_figure = scoring.chart_robustness(segments, top_n)
figure"""),
    md("""## 6. L'écosystème des segments retenus

Qui peut répondre, et qui mobiliser : structures inclusives (SIAE, EA, ESAT, GEIQ) du territoire, titulaires des marchés passés du segment (soumissionnaires probables) et fédérations, organismes de formation et partenaires emploi. Les DECP donnent le **département d'exécution** des marchés, pas le siège des entreprises : « exécution locale » signifie marché exécuté dans un département du territoire."""),
    code("""retenus = scoring.retained_segments(segments)
decp = purchases.prepare_decp(etude.table("decp"), etude.config.acheteurs)
report.labelled(ecosystem.ecosystem_summary(ecosystem.study_structures(etude), decp, retenus, etude.config.departements), "segments")"""),
    code("""report.labelled(ecosystem.inclusive_suppliers(ecosystem.study_structures(etude), retenus), "segments")"""),
    code("""report.labelled(ecosystem.likely_bidders(decp, retenus, etude.config.departements), "segments")"""),
    code("""report.labelled(ecosystem.sector_actors(retenus), "segments")"""),
    md("""## Chiffres clés"""),
    code("""# NBVAL_CHECK_OUTPUT
print(scoring.key_figures(segments, top_n))""", metadata={"keep_output": True}),
    *report_charts_cells(md, code, "04"),
    *exercise_cells(md, code, "04", "segments"),
]
nb.cells = cells
nbf.write(nb, Path(__file__).resolve().parent.parent / "04_secteurs_prioritaires.ipynb")  # anchored on this file, not the cwd
