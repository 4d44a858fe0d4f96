"""The study report (phase 10): one self-contained HTML file, its PDF and an Excel workbook.

The report is built from the **published** tables of a run folder
(``tables/*.parquet``, already protected by the disclosure control), the
argument sheets and ``manifest.json``; it never reads ``prive/`` and never
recomputes a phase. When notebook 10 is explored without a run folder, it shows
the latest finished run of the territory for the year (:func:`rendered_run`), or
says that there is none yet.

* :func:`build_context` gathers the sections (one per phase 00–09), their
  tables formatted the French way (``1 234,5``, ``12,3 %``, ``€``), their charts
  (base64 PNG), their decisions and the reason of a phase that could not be run.
* :func:`render_html` renders ``templates/rapport.html`` (Jinja2, autoescape on,
  CSS inline): every value coming from the data is escaped.
* :func:`write_pdf` prints the same HTML with WeasyPrint; when WeasyPrint or its
  system libraries are missing, it writes ``PDF_NON_PRODUIT.txt`` instead.
* :func:`write_workbook` writes the key tables with
  :func:`diversification.publish.safe_output.write_excel` (formulas neutralised).
* :func:`build_report` does all of it into ``<run>/rapport/``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diversification.decisions import partnership, registry, scoring
from diversification.decisions.arguments import NO_BUYER
from diversification.indicators import disclosure, hours, peers, purchases
from diversification.indicators.decision_tables import decision_not_computed
from diversification.inputs import formatting
from diversification.inputs.paths import REPORTS_DIR
from diversification.inputs.phases import PHASES
from diversification.inputs.quality import coverage_years
from diversification.inputs.referentiels import column_labels, sheet_names
from diversification.inputs.segments import segment_labels
from diversification.publish import charts, gate
from diversification.publish.run_folder import latest_finished_run
from diversification.publish.safe_output import write_excel
from diversification.publish.study import PINNED_ORIGIN
from IPython.display import Image
from jinja2 import Environment, FileSystemLoader, StrictUndefined
import matplotlib.pyplot as plt

REPORT_DIR = "rapport"
HTML_NAME = "rapport.html"
PDF_NAME = "rapport.pdf"
XLSX_NAME = "rapport.xlsx"
NO_PDF_NAME = "PDF_NON_PRODUIT.txt"
MISSING_TEXT = formatting.MISSING
NOT_DONE = "non réalisée"
PARTLY_DONE = "partiellement réalisée"
DONE = "réalisée"
TEMPLATES_DIR = Path(__file__).parent / "templates"

# --- French number formats ------------------------------------------------------------------


_is_missing = formatting.is_missing
# The French formats live in formatting.py; these names stay for the callers that still import them from here.
fr_number = formatting.number
fr_percent = formatting.percent
fr_euros = formatting.euros
fr_date = formatting.date


def format_value(value: object, kind: str) -> str:
    """Display text of one cell; ``kind``: texte, entier, nombre, indice, pourcent, points, euro, date, oui_non."""
    if _is_missing(value):
        return MISSING_TEXT
    if kind == "entier":
        return fr_number(value, 0)
    if kind == "nombre":
        return fr_number(value, 1)
    if kind == "indice":
        return fr_number(value, 2)
    if kind == "pourcent":
        return fr_percent(value)
    if kind == "points":
        return formatting.points(value)
    if kind == "euro":
        return fr_euros(value)
    if kind == "date":
        return fr_date(value)
    if kind == "oui_non":
        return "oui" if bool(value) else "non"
    return str(value)


# --- what the report shows -------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """One published table shown in the report: columns (label, kind), participant-count columns."""

    name: str
    title: str
    columns: dict[str, tuple[str, str]]
    secret_columns: tuple[str, ...] = ()
    max_rows: int = 15
    only_retained: bool = False
    #: Columns computed from the job seekers: missing on a row whose ``explication`` says « non mesurable »,
    #: they are shown as such, not as secret.
    demand_columns: tuple[str, ...] = ()


_HOURS = {
    "libelle": ("Libellé", "texte"),
    "participants": ("Participants", "entier"),
    "heures_realisees": ("Heures réalisées", "entier"),
    "taux_realisation": ("Taux de réalisation", "pourcent"),
    "part_heures": ("Part des heures", "pourcent"),
}
_HOURS_SECRET = ("participants", "heures_prevues", "heures_realisees", "taux_realisation", "part_heures")

SECTION_TABLES: dict[str, list[TableSpec]] = {
    "00": [
        TableSpec("controle_synthese", "Synthèse du contrôle des entrées", {
            "entrée": ("Entrée", "texte"), "statut": ("Statut", "texte"), "lignes lues": ("Lignes lues", "entier"),
            "lignes acceptées": ("Lignes acceptées", "entier"), "lignes rejetées": ("Lignes rejetées", "entier"),
            "doublons retirés": ("Doublons retirés", "entier")}),
        TableSpec("controle_couverture_annees", "Lignes par année et par entrée", {
            "année": ("Année", "texte"), "Suivi des clauses sociales": ("Suivi des clauses", "entier"),
            "Données de la commande publique (DECP)": ("DECP", "entier"),
            "Demandeurs d'emploi": ("Demandeurs d'emploi", "entier"),
            "Métiers en tension (BMO)": ("Métiers en tension", "entier")}),
    ],
    "01": [
        TableSpec("etat_des_lieux_indicateurs", "Indicateurs de concentration", {
            "libelle": ("Indicateur", "texte"), "valeur": ("Valeur", "indicateur"), "explication": ("Remarque", "texte")}),
        TableSpec("etat_des_lieux_heures_segment", "Heures d'insertion par segment d'achat", _HOURS, _HOURS_SECRET),
        TableSpec("etat_des_lieux_heures_entreprise", "Heures d'insertion par entreprise (10 premières)", _HOURS,
                  _HOURS_SECRET, max_rows=10),
        TableSpec("etat_des_lieux_profil", "Profil des participants comparé aux demandeurs d'emploi", {
            "dimension": ("Dimension", "texte"), "modalite": ("Modalité", "texte"),
            "participants": ("Participants", "entier"), "part_participants": ("Part des participants", "pourcent"),
            "part_demandeurs": ("Part des demandeurs", "pourcent"), "ecart_points": ("Écart", "points")},
            ("participants", "part_participants", "demandeurs", "part_demandeurs", "ecart_points"), max_rows=30),
        TableSpec("etat_des_lieux_axes_progres", "Axes de progrès détectés", {
            "constat": ("Constat", "texte"), "declenchee": ("Déclenché", "oui_non")}),
    ],
    "02": [
        TableSpec("besoins_emploi_representation", "Représentation des publics dans les clauses", {
            "libelle": ("Public", "texte"), "participants": ("Participants", "entier"),
            "part_participants": ("Part des participants", "pourcent"), "demandeurs": ("Demandeurs d'emploi", "entier"),
            "part_demandeurs": ("Part des demandeurs", "pourcent"),
            "indice_representation": ("Indice de représentation", "indice")},
            ("participants", "part_participants", "indice_representation"),
            demand_columns=("demandeurs", "part_demandeurs", "indice_representation")),
        TableSpec("besoins_emploi_segments", "Segments où cherchent les demandeurs des publics prioritaires", {
            "libelle": ("Segment", "texte"), "demandeurs_publics_prioritaires": ("Demandeurs", "entier"),
            "part_demandeurs_publics": ("Part", "pourcent"), "metiers_principaux": ("Métiers (ROME)", "texte")},
            ("demandeurs_publics_prioritaires", "part_demandeurs_publics"), max_rows=10,
            demand_columns=("demandeurs_publics_prioritaires", "part_demandeurs_publics")),
    ],
    "03": [
        TableSpec("opportunites_segments", "Besoins de recrutement par segment (BMO)", {
            "libelle": ("Segment", "texte"), "nb_metiers_bmo": ("Métiers BMO", "entier"),
            "projets_recrutement": ("Projets de recrutement", "entier"),
            "projets_difficiles": ("Projets difficiles", "entier"), "part_difficiles": ("Part difficiles", "pourcent")},
            max_rows=12),
        TableSpec("metiers_bmo_sans_segment", "Métiers BMO rattachés à aucun segment (absents du tableau ci-dessus)", {
            "code_fap": ("Code métier BMO", "texte"), "nomenclature": ("Nomenclature", "texte"),
            "projets_recrutement": ("Projets de recrutement", "entier")}, max_rows=10),
    ],
    "04": [
        TableSpec("decision_segments_prioritaires", "Classement des segments d'achat", {
            "rang": ("Rang", "entier"), "libelle": ("Segment", "texte"), "score": ("Score", "indice"),
            "proba_top_n": ("Robustesse", "pourcent"), "retenu": ("Retenu", "oui_non"), "origine": ("Origine", "texte")},
            max_rows=21),
    ],
    "05": [],
    "06": [
        TableSpec("decision_marches_cibles", "Marchés cibles retenus", {
            "id_achat": ("Achat", "texte"), "acheteur_nom": ("Acheteur", "texte"), "objet": ("Objet", "texte"),
            "segment_libelle": ("Segment", "texte"), "montant_estime_ht": ("Montant estimé HT", "euro"),
            "recommandation": ("Recommandation", "texte"), "origine": ("Origine", "texte")},
            max_rows=20, only_retained=True),
    ],
    "07": [
        TableSpec("plan_actions_partenariat", "Plan d'actions du partenariat", {
            "libelle": ("Segment", "texte"), "ordre": ("Étape", "entier"), "etape": ("Action", "texte"),
            "responsable": ("Responsable", "texte"), "trimestres": ("Période", "texte")}, max_rows=20),
    ],
    "08": [
        TableSpec("volumes_insertion", "Volumes d'heures d'insertion des marchés cibles", {
            "id_achat": ("Achat", "texte"), "objet": ("Objet", "texte"), "acheteur": ("Acheteur", "texte"),
            "montant_estime_ht": ("Montant estimé HT", "euro"), "heures_basse": ("Heures (basse)", "entier"),
            "heures_centrale": ("Heures (centrale)", "entier"), "heures_haute": ("Heures (haute)", "entier"),
            "heures_recommandees": ("Heures recommandées", "entier")}, max_rows=20),
    ],
    "09": [
        TableSpec("evaluation_avant_apres", "Indicateurs avant / après", {
            "libelle": ("Indicateur", "texte"), "avant": ("Avant", "indicateur"), "apres": ("Après", "indicateur"),
            "evolution_points": ("Évolution d'une part (points)", "points"),
            "evolution_nombre": ("Évolution d'un nombre", "nombre"), "explication": ("Remarque", "texte")}),
        TableSpec("evaluation_profils", "Profil des participants : clauses expérimentales et historiques", {
            "libelle": ("Indicateur", "texte"), "groupe": ("Groupe", "texte"), "participants": ("Participants", "entier"),
            "effectif": ("Effectif", "entier"), "part": ("Part", "pourcent"), "ic_bas": ("IC 95 % bas", "pourcent"),
            "ic_haut": ("IC 95 % haut", "pourcent")}, ("participants", "effectif", "part", "ic_bas", "ic_haut")),
        TableSpec("evaluation_sorties", "Sorties positives", {
            "groupe": ("Groupe", "texte"), "sorties": ("Sorties", "entier"),
            "sorties_positives": ("Sorties positives", "entier"),
            "taux_sorties_positives": ("Taux de sorties positives", "pourcent")},
            ("sorties", "sorties_positives", "taux_sorties_positives", "ic_bas", "ic_haut")),
    ],
}

#: The report's table of each published table name.
TABLE_SPECS: dict[str, TableSpec] = {spec.name: spec for specs in SECTION_TABLES.values() for spec in specs}


#: The column whose label heads a ``libelle`` column holding segment names (« Segment », as the report's tables
#: head a segment name): :func:`labelled` with ``segment_names=True``.
SEGMENT_NAME_COLUMN = "segment_libelle"


def labelled(table: pd.DataFrame, name: str | None = None, *, segment_names: bool = False) -> pd.DataFrame:
    """``table`` as a learner reads it in a notebook: its columns named with the report's words.

    ``name`` names the table: the labels of the report for a published table (:data:`TABLE_SPECS`), over the titles
    of the fields of the reference table of that name in ``dictionnaire.csv``, over those of
    ``colonnes_affichees``. A column named nowhere keeps its name (a test scans the
    notebooks' tables for such ids). ``segment_names``: the ``libelle`` column holds segment names and is headed
    as a segment name (:data:`SEGMENT_NAME_COLUMN`), not « Libellé ». The values are not changed: only the headers.
    """
    labels = column_labels(name)
    if name in TABLE_SPECS:
        labels.update({column: label for column, (label, _kind) in TABLE_SPECS[name].columns.items()})
    if segment_names:
        labels["libelle"] = column_labels()[SEGMENT_NAME_COLUMN]
    return table.rename(columns={c: labels[c] for c in table.columns if c in labels})


SECTION_INTROS = {
    "00": "Contrôle des fichiers du territoire : lignes lues, acceptées et rejetées, années couvertes.",
    "01": "Où se concentrent aujourd'hui les heures d'insertion : segments d'achat, entreprises, profil des participants.",
    "02": "Quels publics sont sous-représentés dans les clauses par rapport aux demandeurs d'emploi du territoire.",
    "03": "Les achats des acheteurs publics et les besoins de recrutement des métiers de chaque segment.",
    "04": "Le classement multicritère des segments d'achat et les segments prioritaires retenus.",
    "05": "Les fiches argumentaires préparées pour chaque acheteur et chaque segment prioritaire.",
    "06": "Le repérage des achats prévus et les marchés cibles proposés aux acheteurs.",
    "07": "Le plan d'actions du partenariat territorial pour les segments retenus.",
    "08": "Les volumes d'heures d'insertion estimés pour les marchés cibles.",
    "09": "L'évaluation des clauses expérimentales comparées aux segments historiques.",
}

#: Inputs a phase cannot do without (« non réalisée ») and inputs it only partly uses.
PHASE_INPUTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "00": ((), ()),
    "01": (("suivi_clauses",), ("demandeurs_emploi",)),
    "02": (("suivi_clauses", "demandeurs_emploi"), ()),
    "03": (("decp",), ("achats_prevus", "metiers_tension")),
    "04": ((), ("achats_prevus", "metiers_tension", "structures_inclusives")),
    "05": ((), ("achats_prevus",)),
    "06": (("achats_prevus",), ("structures_inclusives",)),
    "07": ((), ("structures_inclusives",)),
    "08": (("achats_prevus",), ()),
    "09": (("suivi_clauses",), ()),
}


# --- tables ------------------------------------------------------------------------------------


def tables_from_run(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The published tables of a run folder (``tables/*.parquet``; ``prive/`` is never read)."""
    folder = Path(run_dir) / "tables"
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def _indicator_text(value: object, unit: object) -> str:
    unit = "" if _is_missing(unit) else str(unit)
    if unit in ("part", "pourcentage"):
        return fr_percent(value)
    if unit in ("heures", "nombre"):
        return fr_number(value, 0 if _is_missing(value) or float(value) == int(float(value)) else 1)
    return fr_number(value, 2)


UNMEASURABLE_TEXT = disclosure.UNMEASURABLE_LABEL


def _says_unmeasurable(reason: object) -> bool:
    """Whether an ``explication`` says « non mesurable »."""
    return isinstance(reason, str) and reason.startswith(UNMEASURABLE_TEXT)


def _unmeasurable_rows(table: pd.DataFrame) -> pd.Series:
    """Rows whose ``explication`` says « non mesurable » (positional index)."""
    if "explication" not in table.columns:
        return pd.Series(False, index=range(len(table)))
    return table["explication"].reset_index(drop=True).map(_says_unmeasurable)


def format_table(table: pd.DataFrame, spec: TableSpec) -> dict:
    """Headers and rows (text) of one table; hidden participant counts shown as « secret statistique »."""
    if spec.only_retained and "retenu" in table.columns:
        table = table[table["retenu"].astype(bool)]
    columns = [c for c in spec.columns if c in table.columns]
    # a text column empty everywhere (e.g. no remark at all) is left out
    columns = [c for c in columns if spec.columns[c][1] != "texte"
               or table[c].map(lambda v: not _is_missing(v) and str(v) != "").any()]
    secret_cols = [c for c in spec.secret_columns if c in table.columns]
    hidden = bool(secret_cols) and bool(table[secret_cols].isna().to_numpy().any())
    shown = table.head(spec.max_rows)
    rows = []
    for _, record in shown.iterrows():
        row = []
        for col in columns:
            value, kind = record[col], spec.columns[col][1]
            if _is_missing(value) and col in spec.demand_columns and _says_unmeasurable(record.get("explication")):
                row.append({"text": UNMEASURABLE_TEXT, "num": False, "secret": False})
                continue
            if _is_missing(value) and col in spec.secret_columns:
                row.append({"text": disclosure.SECRET_LABEL, "num": False, "secret": True})
                continue
            if kind == "indicateur":
                unit = record.get("unite", "part" if "part" in str(record.get("indicateur", "")) else "indice")
                text = _indicator_text(value, unit)
            else:
                text = format_value(value, kind)
            row.append({"text": text, "num": kind not in ("texte", "oui_non", "date"), "secret": False})
        rows.append(row)
    return {
        "name": spec.name,
        "title": spec.title,
        "headers": [spec.columns[c][0] for c in columns],
        "rows": rows,
        "n_total": len(table),
        "truncated": len(table) > len(shown),
        "hidden": hidden,
    }


# --- charts ------------------------------------------------------------------------------------


def figure_png(figure) -> str:
    """A matplotlib figure (or a :class:`charts.Chart`) as base64 PNG text (rendered once: a figure the notebook
    already showed, or that a chart function drew earlier from the same tables, is not drawn again)."""
    figure = getattr(figure, "figure", figure)
    png = charts.png_bytes(figure, charts.CHART_DPI)
    plt.close(figure)
    return base64.b64encode(png).decode("ascii")


def _disclosed(table: pd.DataFrame, threshold: int) -> disclosure.DisclosedTable:
    return disclosure.DisclosedTable(table=table, hidden=table.isna(), rule=disclosure.describe_rule(threshold))


#: The published tables each phase's report charts are drawn from (:func:`section_charts`).
CHART_TABLES = {
    "01": ("etat_des_lieux_heures_segment", "etat_des_lieux_tendance"),
    "02": ("besoins_emploi_representation",),
    "03": ("opportunites_segments",),
    "04": ("decision_segments_prioritaires",),
    "07": ("plan_actions_partenariat",),
    "09": ("evaluation_profils",),
}
HOURS_CHART_ALT = "Heures par segment"
#: Folder of the run where a phase leaves its report charts (PNG + ``phase-NN.json`` index).
CHARTS_DIR = "graphiques"


def publish_section_charts(etude, key: str) -> list[Path]:
    """Draw now the report's charts of phase ``key``, from the tables it has just published, into
    ``graphiques/`` of the run (PNG files and their index), so that phase 10 only embeds them while
    the other phases run. Nothing is written when exploring."""
    if etude.run_dir is None:
        return []
    folder = Path(etude.run_dir) / "tables"
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in CHART_TABLES.get(key, ())
              if (folder / f"{name}.parquet").exists()}
    entries, files = [], []
    for number, chart in enumerate(section_charts(key, tables, etude.annee, etude.threshold), start=1):
        path = gate.write_bytes(etude.run_dir, f"{CHARTS_DIR}/phase-{key}-{number}.png", base64.b64decode(chart["png"]),
                                kind="graphique")
        entries.append({"alt": chart["alt"], "note": chart["note"], "fichier": path.name})
        files.append(path)
    gate.write_text(etude.run_dir, f"{CHARTS_DIR}/phase-{key}.json", json.dumps(entries, ensure_ascii=False, indent=1),
                    kind="graphique")
    return files


def _charts(key: str, tables: dict[str, pd.DataFrame], annee: int, threshold: int,
            charts_dir: Path | None) -> list[dict]:
    """The charts of a section: those the phase left in ``charts_dir``, else drawn now."""
    index = None if charts_dir is None else charts_dir / f"phase-{key}.json"
    if index is None or not index.exists():
        return section_charts(key, tables, annee, threshold)
    entries = json.loads(index.read_text(encoding="utf-8"))
    return [{"alt": e["alt"], "note": e["note"],
             "png": base64.b64encode((charts_dir / e["fichier"]).read_bytes()).decode("ascii")} for e in entries]


def section_charts(key: str, tables: dict[str, pd.DataFrame], annee: int, threshold: int) -> list[dict]:
    """Charts of one section, drawn by the phases' own chart functions from the published tables."""
    out: list[tuple[str, object]] = []
    if key == "01":
        if "etat_des_lieux_heures_segment" in tables and len(tables["etat_des_lieux_heures_segment"]):
            out.append((HOURS_CHART_ALT, charts.hours_by_segment(
                _disclosed(tables["etat_des_lieux_heures_segment"], threshold))))
        trend = tables.get("etat_des_lieux_tendance")
        if trend is not None and len(trend) > 1:
            out.append(("Tendance", charts.concentration_trend(trend)))
    elif key == "02" and "besoins_emploi_representation" in tables and len(tables["besoins_emploi_representation"]):
        out.append(("Représentation", charts.representation(tables["besoins_emploi_representation"])))
    elif key == "03":
        opp = tables.get("opportunites_segments")
        if opp is not None and (opp["projets_recrutement"].fillna(0) > 0).any():
            out.append(("Recrutement", purchases.chart_opportunities(opp)[0]))
    elif key == "04" and "decision_segments_prioritaires" in tables and len(tables["decision_segments_prioritaires"]):
        out.append(("Robustesse", scoring.chart_robustness(tables["decision_segments_prioritaires"])[0]))
    elif key == "07" and "plan_actions_partenariat" in tables and len(tables["plan_actions_partenariat"]):
        out.append(("Calendrier", partnership.chart_timeline(annee)[0]))
    elif key == "09" and "evaluation_profils" in tables and len(tables["evaluation_profils"]):
        out.append(("Profils", charts.evaluation_profiles(tables["evaluation_profils"])))
    result = []
    for alt, chart in out:
        note = getattr(chart, "note", "")
        result.append({"alt": f"Graphique : {alt}", "png": figure_png(chart), "note": note})
    return result


# --- the territory among its peers (phase 03) -------------------------------------------------

#: Columns of the peers' table shown as text (left-aligned); the others are numbers.
_PEERS_TEXT_COLUMNS = ("Segment", "Exemple parmi les pairs")
PEERS_CHART_ALT = f"Graphique : {peers.SECTION_TITLE}"


def peers_section(tables: dict[str, pd.DataFrame]) -> dict | None:
    """The block « Le territoire parmi ses pairs » of section 03, from the tables phase 03 published
    (``pairs_note``, ``pairs_segments``, ``pairs_distribution``): the note (how the peers were chosen, or how to add
    a national file), the table in French and the chart of the peers' distribution. ``None`` when phase 03 published
    none of them (a run made before the section existed)."""
    note = tables.get(peers.NOTE_NAME)
    if note is None or note.empty:
        return None
    block = {"title": peers.SECTION_TITLE, "note": str(note["remarque"].iloc[0]), "table": None, "chart": None}
    table = tables.get(peers.TABLE_NAME)
    if table is not None and len(table):
        shown = peers.table_for_display(table)
        block["table"] = {"headers": list(shown.columns),
                          "rows": [[{"text": str(value), "num": column not in _PEERS_TEXT_COLUMNS}
                                    for column, value in row.items()] for _, row in shown.iterrows()]}
    distribution = tables.get(peers.DISTRIBUTION_NAME)
    if distribution is not None and len(distribution):
        block["chart"] = {"alt": PEERS_CHART_ALT, "png": figure_png(peers.chart_peers(distribution, segment_labels())),
                          "note": "Chaque point est un département pair ; le losange rouge est le territoire."}
    return block


# --- sections and context --------------------------------------------------------------------


def decision_summary(table: pd.DataFrame, title: str, id_column: str, label_column: str) -> dict:
    """Retained ids of a decision table and whether they were pinned by the configuration."""
    retained = table[table["retenu"].astype(bool)]
    labels = [str(v) for v in (retained[label_column] if label_column in retained else retained[id_column])]
    pinned = bool((table.get("origine", pd.Series(dtype=str)) == PINNED_ORIGIN).any())
    origin = ("épinglée par la configuration (territoire.yaml, « decisions_epinglees »)" if pinned
              else "calculée par le kit")
    return {"title": title, "n_retained": len(retained), "n_total": len(table), "labels": labels, "pinned": pinned,
            "origin": origin}


#: The table of hand choices a phase publishes (:func:`registry.publish_hand_choices`), by phase.
HAND_CHOICE_TABLES = {"04": registry.HAND_CHOICE_TABLES["poids_criteres"],
                      "08": registry.HAND_CHOICE_TABLES["volumes_insertion"]}


def hand_choice_note(key: str, table: pd.DataFrame) -> str:
    """French sentence saying that phase ``key`` used values chosen by hand in JupyterLab (read from the run)."""
    def when(rows: pd.DataFrame) -> str:
        first = rows.iloc[0]
        comment = f" ({first['commentaire']})" if str(first["commentaire"]) else ""
        return f"le {first['date']}{comment}"

    if key == "04":
        return (f"Poids des critères choisis à la main dans JupyterLab {when(table)} (« Retenir ces pondérations », "
                "territoire.yaml, « choix_a_la_main ») : " + ", ".join(
                    f"{r.element} = {fr_number(r.valeur, 1)}" for r in table.itertuples()) + ".")
    parts = [f"{contract} {when(rows)}" for contract, rows in table.groupby("element", sort=True)]
    return ("Entrées de la calculatrice choisies à la main dans JupyterLab (« Retenir ce volume », territoire.yaml, "
            "« choix_a_la_main ») pour : " + " ; ".join(parts) + ".")


@dataclass
class InputStatus:
    """Which inputs are missing, with the French reason (from ``etude.unavailable_reason``)."""

    missing: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_study(cls, etude) -> InputStatus:
        keys = sorted({k for req, opt in PHASE_INPUTS.values() for k in (*req, *opt)})
        return cls({k: etude.unavailable_reason(k) for k in keys if not etude.available(k)})


#: The decisions a phase takes or works on: when one was not computed (its inputs are missing), the phase is not
#: done and publishes no ranking, no retained element and no recommendation.
PHASE_DECISIONS = {"02": ("publics_prioritaires",), "04": ("segments_prioritaires",),
                   "05": ("segments_prioritaires",), "06": ("marches_cibles",), "07": ("segments_prioritaires",),
                   "08": ("marches_cibles",)}


def _phase_status(key: str, tables: dict[str, pd.DataFrame], inputs: InputStatus) -> tuple[str, list[str]]:
    required, optional = PHASE_INPUTS[key]
    reasons = [f"{inputs.missing[k][0].upper()}{inputs.missing[k][1:]}." for k in required if k in inputs.missing]
    reasons += [r for r in (decision_not_computed(tables.get(f"decision_{name}"))
                            for name in PHASE_DECISIONS.get(key, ())) if r is not None and r not in reasons]
    if reasons:
        return NOT_DONE, reasons
    partial = [f"{inputs.missing[k][0].upper()}{inputs.missing[k][1:]} : cette partie de l'analyse n'a pas été faite."
               for k in optional if k in inputs.missing]
    return (PARTLY_DONE if partial else DONE), partial


def sheet_links(sheets: list[str], buyers: list[dict]) -> list[dict]:
    """The argument sheets (file names ``<siret>_<segment_id>.html``) as links grouped by buyer: one group
    per buyer (configuration order; a buyer not in the configuration after, by SIRET), titled with its
    name and SIRET, its sheets named by segment label (alphabetical)."""
    labels = segment_labels()
    names = {str(b.get("siret")): str(b.get("nom") or b.get("siret")) for b in buyers}
    groups: dict[str, list[dict]] = {}
    for sheet in sheets:
        siret, _, segment = sheet.removesuffix(".html").partition("_")
        groups.setdefault(siret, []).append({"href": f"../argumentaires/{sheet}", "text": labels.get(segment, segment)})
    order = list(names)
    return [{"title": f"{names[k]} (SIRET {k})" if k in names else f"SIRET {k}",
             "links": sorted(groups[k], key=lambda link: link["text"])}
            for k in sorted(groups, key=lambda k: (order.index(k) if k in names else len(order), k))]


def build_sections(tables: dict[str, pd.DataFrame], inputs: InputStatus, *, annee: int, threshold: int,
                   sheets: list[str] | None = None, buyer_workbook: str | None = None,
                   charts_dir: Path | None = None, buyers: list[dict] | None = None) -> list[dict]:
    """One dict per phase 00–09: status, reasons, tables, charts, decisions, links (groups of links,
    each with a title, possibly empty)."""
    sections = []
    for name, title in PHASES:
        key = name[:2]
        if key not in PHASE_INPUTS:
            continue
        status, reasons = _phase_status(key, tables, inputs)
        specs = [s for s in SECTION_TABLES[key] if s.name in tables]
        if status != NOT_DONE and SECTION_TABLES[key] and not specs:
            status, reasons = NOT_DONE, ["Aucune table n'a été publiée par cette phase dans le dossier du run."]
        section = {"key": key, "anchor": f"phase-{key}", "title": f"{key} – {title}", "intro": SECTION_INTROS[key],
                   "status": status, "reasons": reasons, "tables": [], "charts": [], "decisions": [], "links": [],
                   "rule": "", "peers": None}
        if status != NOT_DONE:
            section["tables"] = [format_table(tables[s.name], s) for s in specs]
            section["charts"] = _charts(key, tables, annee, threshold, charts_dir)
            spec = registry.BY_PHASE.get(key)
            if spec is not None and spec.table_name in tables:
                section["decisions"].append(decision_summary(tables[spec.table_name], spec.title, spec.id_column,
                                                             spec.label_column))
            hand = tables.get(HAND_CHOICE_TABLES.get(key, ""))
            if hand is not None and len(hand):
                section["reasons"].append(hand_choice_note(key, hand))
            if any(t["hidden"] for t in section["tables"]):
                section["rule"] = disclosure.describe_rule(threshold)
            if key == "03":
                section["peers"] = peers_section(tables)
            if key == "05":
                section["links"] = sheet_links(sheets or [], buyers or [])
                if not sheets:
                    section["reasons"].append(NO_BUYER if buyers is not None and not buyers else
                                              "Aucune fiche argumentaire n'a été écrite dans le dossier du run.")
            if key == "06" and buyer_workbook:
                section["links"] = [{"title": "", "links": [{"href": f"../acheteurs/{buyer_workbook}",
                                                             "text": "Classeur de la réunion acheteurs"}]}]
        sections.append(section)
    return sections


TARGETS_WITH_HOURS = "Marchés cibles avec un volume d'heures calculé"


def targets_with_hours(targets: pd.DataFrame, volumes: pd.DataFrame) -> str:
    """« 50 sur 57 (7 : marché réservé sans clause d'insertion …) »: the retained target contracts (phase 06) whose
    insertion volume phase 08 computed, and why the others have none (the rows of notebook 08)."""
    retained = int(targets["retenu"].astype(bool).sum())
    computed = len(volumes)
    text = f"{computed} sur {retained}"
    without = hours.targets_without_hours(targets, volumes["id_achat"].astype(str))
    if len(without):
        reasons = without["motif"].value_counts(sort=False)
        text += " (" + " ; ".join(f"{n} : {motif}" for motif, n in reasons.items()) + ")"
    return text


def key_figures(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """A few stable key figures of the study, formatted the French way (title block, nbval)."""
    figures: dict[str, str] = {}
    ind = tables.get("etat_des_lieux_indicateurs")
    if ind is not None and len(ind):
        by = ind.set_index("indicateur")
        for key, label in [("heures_realisees", "Heures d'insertion réalisées"),
                           ("part_construction_nettoyage", "Part des heures BTP et nettoyage"),
                           ("nombre_effectif_segments", "Nombre effectif de segments")]:
            if key in by.index:
                figures[label] = _indicator_text(by.at[key, "valeur"], by.at[key, "unite"])
    for name, label in [("publics_prioritaires", "Publics prioritaires retenus"),
                        ("segments_prioritaires", "Segments prioritaires retenus"),
                        ("marches_cibles", "Marchés cibles retenus")]:
        table = tables.get(f"decision_{name}")
        if table is not None and len(table):
            figures[label] = (MISSING_TEXT if decision_not_computed(table) is not None
                              else f"{int(table['retenu'].astype(bool).sum())} sur {len(table)}")
    volumes = tables.get("volumes_insertion")
    targets = tables.get("decision_marches_cibles")
    if volumes is not None and targets is not None and len(targets) and decision_not_computed(targets) is None:
        figures[TARGETS_WITH_HOURS] = targets_with_hours(targets, volumes)
    if volumes is not None and len(volumes):
        figures["Heures d'insertion recommandées (marchés cibles)"] = fr_number(
            volumes["heures_recommandees"].fillna(0).sum(), 0)
    return figures


def compare_runs(runs: list[str | Path]) -> pd.DataFrame:
    """The key figures of several finished runs side by side (one column a run: its territory, year and id, in the
    order given), with the phases done; « — » where a run has no such figure."""
    columns, figures = [], []
    for run in map(Path, runs):
        values = key_figures(tables_from_run(run))
        done = phases_done(run)
        if done is not None:
            values["Phases réalisées"] = done
        columns.append(f"{run.parent.parent.name} {run.parent.name} ({run.name})")
        figures.append(values)
    labels = list(dict.fromkeys(label for values in figures for label in values))
    table = pd.DataFrame({"Chiffre clé": labels})
    for column, values in zip(columns, figures):
        table[column] = [values.get(label, MISSING_TEXT) for label in labels]
    return table


def key_figures_text(tables: dict[str, pd.DataFrame]) -> str:
    return "\n".join(f"{k} : {v}" for k, v in key_figures(tables).items())


def manifest_summary(manifest: dict | None) -> dict:
    """Inputs' hashes (shortened) and package versions of the run, for the report."""
    manifest = manifest or {}
    inputs = [{"file": k, "sha": str(v)[:16]} for k, v in sorted((manifest.get("entrees") or {}).items())]
    versions = [{"name": k, "version": str(v)} for k, v in (manifest.get("versions") or {}).items()]
    start = manifest.get("debut", "")
    if start:
        moment = dt.datetime.fromisoformat(start)
        start = f"{moment:%d/%m/%Y} à {moment:%H:%M}"
    return {"inputs": inputs, "versions": versions, "start": start}


def build_context(tables: dict[str, pd.DataFrame], inputs: InputStatus, *, territoire: str, annee: int,
                  threshold: int, run_id: str = "", manifest: dict | None = None, data_date: str = "",
                  sheets: list[str] | None = None, buyer_workbook: str | None = None,
                  charts_dir: Path | None = None, buyers: list[dict] | None = None,
                  previous: Path | None = None) -> dict:
    """Everything the template needs (values raw: the template escapes them). ``previous``: the run of the year
    before, whose key figures are shown beside this year's."""
    sections = build_sections(tables, inputs, annee=annee, threshold=threshold, sheets=sheets,
                              buyer_workbook=buyer_workbook, charts_dir=charts_dir, buyers=buyers)
    return {
        "territoire": territoire,
        "annee": annee,
        "run_id": run_id or "exploration (sans dossier de run)",
        "data_date": data_date or MISSING_TEXT,
        "generated": formatting.date(dt.date.today()) if not manifest else fr_date(manifest.get("debut")),
        "threshold": threshold,
        "rule": disclosure.describe_rule(threshold),
        "key_figures": key_figures(tables),
        "previous": None if previous is None else {"annee": annee - 1, "run_id": previous.name,
                                                   "figures": key_figures(tables_from_run(previous))},
        "sections": sections,
        "synthesis": synthesis_section(sections),
        "manifest": manifest_summary(manifest),
    }


def synthesis_section(sections: list[dict]) -> dict:
    """Phase 10 (this report) in the Sommaire and its own short section: the files it writes, the phases done."""
    name, title = PHASES[-1]
    done = sum(s["status"] == DONE for s in sections)
    return {"anchor": f"phase-{name[:2]}", "title": f"{name[:2]} – {title}", "status": DONE,
            "done": f"{done} sur {len(sections)}", "files": [HTML_NAME, PDF_NAME, XLSX_NAME]}


def _environment():
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, undefined=StrictUndefined)


def render_html(context: dict) -> str:
    """The self-contained HTML report (CSS inline, charts as base64 PNG)."""
    env = _environment()
    css = (TEMPLATES_DIR / "rapport.css").read_text(encoding="utf-8")
    return env.get_template("rapport.html").render(css=css, **context)


# --- outputs -----------------------------------------------------------------------------------

NO_PDF_TEXT = (
    "Le PDF {what} n'a pas été produit : {reason}.\n"
    "Le fichier HTML ({html}) est complet ; ouvrez-le dans un navigateur et imprimez-le en PDF "
    "si besoin, ou installez WeasyPrint (pip install weasyprint) et ses bibliothèques système "
    "(Pango : paquets Debian libpango-1.0-0 et libpangoft2-1.0-0), puis relancez {again}.\n"
)


@dataclass
class PdfResult:
    path: Path | None
    message: str


def write_pdf(html: str, run_dir: str | Path, folder: str = REPORT_DIR, name: str = PDF_NAME, *,
              what: str = "du rapport", again: str = "l'étude", kind: str = "rapport") -> PdfResult:
    """``<folder>/<name>`` (``rapport.pdf``) of the run printed by WeasyPrint through the gate, or a text file
    (``PDF_NON_PRODUIT.txt`` for the report) saying why (French); ``kind``: the nature the gate records."""
    no_pdf = NO_PDF_NAME if name == PDF_NAME else f"{Path(name).stem}_{NO_PDF_NAME}"
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango or another system library missing
        reason = f"WeasyPrint ou ses bibliothèques système sont absents ({type(exc).__name__} : {exc})"
        text = NO_PDF_TEXT.format(what=what, reason=reason, html=f"{Path(name).stem}.html", again=again)
        gate.write_text(run_dir, f"{folder}/{no_pdf}", text, kind=kind)
        return PdfResult(None, f"PDF non produit : {reason}. Le fichier HTML est produit.")
    stale = Path(run_dir) / folder / no_pdf
    if stale.exists():
        stale.unlink()
    path = gate.write_with(run_dir, f"{folder}/{name}",
                           lambda target: HTML(string=html, base_url=str(target.parent)).write_pdf(str(target)),
                           kind=kind)
    return PdfResult(path, f"PDF produit : {path.name}.")


_EXCEL_KINDS = {"euro": "euro_entier", "pourcent": "pourcent", "entier": "entier", "nombre": "decimal",
                "indice": "decimal", "points": "decimal"}


def workbook_sheet_name(spec: TableSpec) -> str:
    """The short French sheet name of a published table (``feuilles_excel`` entries of ``dictionnaire.csv``)."""
    return sheet_names().get(spec.name) or spec.title  # a table missing from the dictionary: its title (tested)


def workbook_sheets(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, str]]]:
    """Key tables with French headers, hidden cells as « secret statistique » (« non mesurable » where the
    job-seeker table could not give them), and their Excel formats."""
    sheets, formats = {}, {}
    for specs in SECTION_TABLES.values():
        for spec in specs:
            if spec.name not in tables:
                continue
            table = tables[spec.name]
            if spec.only_retained and "retenu" in table.columns:
                table = table[table["retenu"].astype(bool)]
            columns = [c for c in spec.columns if c in table.columns]
            out = table[columns].reset_index(drop=True).copy()
            kinds = {}
            for col in columns:
                label, kind = spec.columns[col]
                if kind == "oui_non":
                    out[col] = out[col].map(lambda v: MISSING_TEXT if _is_missing(v) else ("oui" if v else "non"))
                elif kind == "indicateur":  # one unit per row (share, hours, index): written as the report shows it
                    units = (table["unite"].reset_index(drop=True) if "unite" in table.columns
                             else pd.Series([None] * len(out)))
                    out[col] = [_indicator_text(v, u) for v, u in zip(out[col], units)]
                elif col in spec.secret_columns + spec.demand_columns and out[col].isna().any():
                    unmeasurable = (_unmeasurable_rows(table) if col in spec.demand_columns
                                    else pd.Series(False, index=out.index))
                    missing = out[col].isna()
                    text = out[col].astype(object)
                    text = text.where(~(missing & unmeasurable), UNMEASURABLE_TEXT)
                    if col in spec.secret_columns:
                        text = text.where(~(missing & ~unmeasurable), disclosure.SECRET_LABEL)
                    out[col] = text
                if kind in _EXCEL_KINDS:
                    kinds[label] = _EXCEL_KINDS[kind]
            out.columns = [spec.columns[c][0] for c in columns]
            sheet = workbook_sheet_name(spec)
            sheets[sheet] = out
            formats[sheet] = kinds
    peers_table = tables.get(peers.TABLE_NAME)
    if peers_table is not None and len(peers_table):
        sheet = sheet_names().get(peers.TABLE_NAME) or peers.SECTION_TITLE
        sheets[sheet], formats[sheet] = peers_sheet(peers_table)
    return sheets, formats


#: The sheet of the peers' table (phase 03): column of ``pairs_segments`` → (French header, Excel kind).
_PEERS_SHEET = {"libelle": ("Segment", "texte"), "nb_marches": ("Marchés du territoire", "entier"),
                "valeur": ("Part du territoire", "pourcent"), "mediane_pairs": ("Médiane des pairs", "pourcent"),
                "q1_pairs": ("Premier quartile des pairs", "pourcent"),
                "q3_pairs": ("Troisième quartile des pairs", "pourcent"),
                "ecart_mediane_points": ("Écart à la médiane (points)", "points")}


def peers_sheet(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The peers' table of phase 03 as a sheet of rapport.xlsx: numbers kept as numbers (shares as Excel
    percents), the ranks as the report writes them (« 3ᵉ sur 4 »), the leading peer and its buyer; a value the
    national file cannot give stays an empty cell."""
    out = pd.DataFrame({label: table[column].reset_index(drop=True) for column, (label, _kind) in _PEERS_SHEET.items()
                        if column in table.columns})
    out = out.assign(**peers.text_columns(table))
    kinds = {label: _EXCEL_KINDS[kind] for column, (label, kind) in _PEERS_SHEET.items()
             if kind in _EXCEL_KINDS and label in out.columns}
    return out, kinds


def write_workbook(tables: dict[str, pd.DataFrame], run_dir: str | Path, relpath: str = f"{REPORT_DIR}/{XLSX_NAME}") -> Path:
    """The report's workbook (key tables, French headers and formats) written through the gate."""
    sheets, formats = workbook_sheets(tables)
    return gate.write_with(run_dir, relpath, lambda path: write_excel(sheets, path, formats=formats), kind="rapport")


@dataclass
class ReportResult:
    folder: Path | None
    html: str
    pdf_message: str
    files: list[Path] = field(default_factory=list)


def run_context(run_dir: str | Path, etude, tables: dict[str, pd.DataFrame] | None = None) -> dict:
    """Context of the report of a run folder (tables, manifest, argument sheets; never ``prive/``)."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    sheets = sorted(p.name for p in (run_dir / "argumentaires").glob("*.html"))
    workbook = run_dir / "acheteurs" / "reunion_acheteurs.xlsx"
    tables = tables if tables is not None else tables_from_run(run_dir)
    return build_context(
        tables, InputStatus.from_study(etude),
        territoire=str(manifest.get("nom") or etude.config.raw.get("nom") or etude.territoire.name),
        annee=etude.annee, threshold=etude.threshold, run_id=str(manifest.get("run_id", run_dir.name)),
        manifest=manifest, data_date=data_date(etude, tables), sheets=sheets,
        buyer_workbook=workbook.name if workbook.exists() else None, charts_dir=run_dir / CHARTS_DIR,
        buyers=etude.config.acheteurs, previous=previous_year_run(run_dir, etude.annee))


def previous_year_run(run_dir: str | Path, annee: int) -> Path | None:
    """The latest finished run of the same territory for the year before (``reports/<territoire>/<annee - 1>/``),
    or ``None``: its key figures stand beside this year's in the report."""
    return latest_finished_run(Path(run_dir).parent.parent / str(annee - 1))


def data_date(etude, tables: dict[str, pd.DataFrame] | None = None) -> str:
    """Date of the data, never of the files nor of the run: the latest year with rows in the inputs (the rows per
    year of phase 00) and the notification date of the latest contract (DECP), « 2025 (dernier marché notifié le
    14/11/2025) »; empty when the inputs give none."""
    coverage = (tables or {}).get("controle_couverture_annees")
    if coverage is None and etude.run_dir is None:  # exploration: computed from the inputs

        coverage = coverage_years(etude.data)
    years = []
    if coverage is not None and "année" in coverage.columns:
        counts = coverage.drop(columns=["année"]).apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
        years = [int(float(y)) for y, n in zip(coverage["année"], counts) if n > 0 and str(y).strip()]
    latest = None
    if etude.available("decp"):
        dates = pd.to_datetime(etude.table("decp")["dateNotification"], errors="coerce").dropna()
        latest = dates.max() if not dates.empty else None
    notified = f"dernier marché notifié le {fr_date(latest)}" if latest is not None else ""
    if years:
        return f"{max(years)}" + (f" ({notified})" if notified else "")
    return notified


def rendered_run(etude) -> Path | None:
    """The run folder the report renders: the study's own; when exploring (no run folder), the latest finished run
    of the territory for the year in the kit's reports folder; ``None`` when there is none."""
    if etude.run_dir is not None:
        return Path(etude.run_dir)
    return latest_finished_run(REPORTS_DIR / etude.config.identifiant / str(etude.annee))


def exploration_note(etude) -> str:
    """French sentence for notebook 10 explored without a run folder: which finished run is shown, if any."""
    if etude.run_dir is not None:
        return ""
    run = rendered_run(etude)
    if run is None:
        return (f"**Exploration** : aucun run terminé de ce territoire pour {etude.annee} dans `{REPORTS_DIR}`. "
                "Le rapport se construit à partir des tables publiées d'un run terminé, jamais en recalculant les "
                "phases : lancez d'abord `diversification etude --territoire …` (ou `make study`). Les tableaux "
                "ci-dessous sont vides.")
    return (f"**Exploration** : le rapport montré ici est celui du dernier run terminé de ce territoire pour "
            f"{etude.annee} (`{run}`) ; rien n'est écrit.")


def report_context(etude, tables: dict[str, pd.DataFrame] | None = None) -> dict:
    """Context of the report of :func:`rendered_run` (``tables``: those of :func:`study_tables`, when already
    read); without a finished run, the context of no published table (every phase « non réalisée »)."""
    run = rendered_run(etude)
    if run is None:
        return build_context(tables or {}, InputStatus.from_study(etude),
                             territoire=str(etude.config.raw.get("nom") or etude.territoire.name), annee=etude.annee,
                             threshold=etude.threshold, data_date=data_date(etude))
    return run_context(run, etude, tables)


def build_report(etude, tables: dict[str, pd.DataFrame] | None = None, context: dict | None = None) -> ReportResult:
    """The report of the study: written into ``<run>/rapport/`` when there is a run folder, else only rendered.

    ``tables`` and ``context`` (from :func:`study_tables` and :func:`report_context`) spare reading
    the tables and drawing the charts a second time when the notebook already has them.
    """
    tables = tables if tables is not None else study_tables(etude)
    html = render_html(context if context is not None else report_context(etude, tables))
    if etude.run_dir is None:
        return ReportResult(None, html, "Exploration : aucun fichier écrit.")
    folder = Path(etude.run_dir) / REPORT_DIR
    html_path = gate.write_text(etude.run_dir, f"{REPORT_DIR}/{HTML_NAME}", html, kind="rapport")
    pdf = write_pdf(html, etude.run_dir)
    xlsx = write_workbook(tables, etude.run_dir)
    files = [html_path, xlsx] + ([pdf.path] if pdf.path else [folder / NO_PDF_NAME])
    return ReportResult(folder, html, pdf.message, files)


def report_markdown(result: ReportResult) -> str:
    """French sentence for the notebook: what was written, and the PDF status."""
    if result.folder is None:
        return "Exploration : le rapport est calculé mais aucun fichier n'est écrit (pas de dossier de run)."
    names = ", ".join(f"`{p.name}`" for p in result.files)
    return f"Rapport écrit dans `{result.folder.name}/` : {names}. {result.pdf_message}"


# --- notebook helpers ----------------------------------------------------------------------------


def study_tables(etude) -> dict[str, pd.DataFrame]:
    """Published tables of :func:`rendered_run` (none without a finished run)."""
    run = rendered_run(etude)
    return tables_from_run(run) if run is not None else {}


def study_sections(etude, tables: dict[str, pd.DataFrame]) -> list[dict]:
    """The report's sections of the study (statuses, tables, charts, decisions, links)."""
    return report_context(etude, tables)["sections"]


#: The table of the phases' statuses, published by phase 10 (:func:`sections_overview`).
PHASES_TABLE = "synthese_phases"


def run_phases(run_dir: str | Path) -> pd.DataFrame | None:
    """The table of the phases of a run (:data:`PHASES_TABLE`), ``None`` when phase 10 did not write it."""
    path = Path(run_dir) / "tables" / f"{PHASES_TABLE}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def phases_done(run_dir: str | Path) -> str | None:
    """« 10 sur 10 », « 5 sur 10 »: the phases of a run entirely done; ``None`` without the table of the phases."""
    phases = run_phases(run_dir)
    return None if phases is None else f"{int((phases['Statut'] == DONE).sum())} sur {len(phases)}"


STUDY_COMPLETE = "complète"
STUDY_INCOMPLETE = "incomplète"


def study_completeness(run_dir: str | Path) -> str | None:
    """« incomplète » when a phase of the finished run is « non réalisée » (the data it needs are missing: it
    published no ranking, no retained element, no recommendation), else « complète »; ``None`` without the table
    of the phases (phase 10 not run)."""
    phases = run_phases(run_dir)
    if phases is None:
        return None
    return STUDY_INCOMPLETE if (phases["Statut"] == NOT_DONE).any() else STUDY_COMPLETE


def phases_not_done(run_dir: str | Path) -> list[str] | None:
    """French lines for the phases of a finished run not (fully) done, with their reasons; ``None`` when the run
    has no table of the phases (phase 10 not run)."""
    phases = run_phases(run_dir)
    if phases is None:
        return None
    return [f"{row.Phase} : {row.Statut}" + (f" — {row.Motif}" if row.Motif else "")
            for row in phases.itertuples(index=False) if row.Statut != DONE]


def sections_overview(sections: list[dict]) -> pd.DataFrame:
    """One row per phase: status and, when not fully done, the French reason."""
    return pd.DataFrame({
        "Phase": [s["title"] for s in sections],
        "Statut": [s["status"] for s in sections],
        "Tables": [len(s["tables"]) for s in sections],
        "Graphiques": [len(s["charts"]) for s in sections],
        "Motif": [" ".join(s["reasons"]) for s in sections],
    })


def decisions_overview(sections: list[dict]) -> pd.DataFrame:
    """The decisions retained by the study and their origin (computed or pinned)."""
    rows = [{"Phase": s["title"], "Décision": d["title"], "Retenus": f"{d['n_retained']} sur {d['n_total']}",
             "Origine": d["origin"], "Éléments retenus": ", ".join(d["labels"][:8]) + (" …" if len(d["labels"]) > 8 else "")}
            for s in sections for d in s["decisions"]]
    return pd.DataFrame(rows, columns=["Phase", "Décision", "Retenus", "Origine", "Éléments retenus"])


def not_done_markdown(sections: list[dict]) -> str:
    """French list of the phases not (or partly) done, with their reasons."""
    lines = [f"- **{s['title']}** : {s['status']} — {' '.join(s['reasons'])}" for s in sections
             if s["status"] != DONE and s["reasons"]]
    if not lines:
        return "Toutes les phases de l'étude ont été réalisées avec l'ensemble de leurs entrées."
    return "Phases non réalisées ou réalisées en partie :\n\n" + "\n".join(lines)


def concentration_chart(sections: list[dict]):
    """The phase 01 chart of hours by segment, as the report shows it (an image), or a French sentence."""
    charts = next((s["charts"] for s in sections if s["key"] == "01"), [])
    chart = next((c for c in charts if c["alt"] == f"Graphique : {HOURS_CHART_ALT}"), None)
    if chart is None:
        return "Pas d'heures d'insertion à représenter (suivi des clauses absent ou vide)."
    return Image(data=base64.b64decode(chart["png"]), format="png")
