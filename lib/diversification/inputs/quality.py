"""Data-quality report of notebook 00: what was read, kept, rejected and why.

Tables shown to the facilitator are about rows, files, contracts and buyers,
never about participants: rejects with values of participant-level inputs are
written to the run's ``prive/`` area only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from diversification.inputs.errors import (
    ACTION_AMOUNT_UPDATED, ACTION_COLUMN_DROPPED, ACTION_COLUMN_IGNORED, ACTION_COUNTS_ADDED,
    ACTION_DUPLICATE_REMOVED, ACTION_EXCLUDED_FROM_TOTALS, ACTION_ROW_REJECTED, ACTION_VALUE_FLAGGED,
    ACTION_VALUE_IGNORED, describe_lines,
)
from diversification.inputs import parameters
from diversification.inputs.loading import INPUT_ORDER, INPUT_TITLES, load_territory, REQUIRED_INPUTS, TerritoryData
from diversification.inputs.segments import INDETERMINATE_SEGMENT, map_cpv_series, segment_labels

#: Actions that keep the row but flag one of its values.
FLAGGED_ACTIONS = (ACTION_VALUE_FLAGGED, ACTION_VALUE_IGNORED, ACTION_EXCLUDED_FROM_TOTALS, ACTION_AMOUNT_UPDATED,
                   ACTION_COUNTS_ADDED)

#: Rejection rate above which notebook 00 warns.
HIGH_REJECTION_RATE = 0.10


def summarize_inputs(data: TerritoryData) -> pd.DataFrame:
    """One row per input: files, status, rows read / accepted / rejected, values flagged."""
    rows = []
    for key in INPUT_ORDER:
        result = data.inputs[key]
        records = result.rejects.records
        rows.append(
            {
                "entrée": INPUT_TITLES[key],
                "fichiers": ", ".join(p.name for p in result.files) or "—",
                "statut": result.status,
                "lignes lues": result.rows_read,
                "lignes acceptées": result.rows_accepted,
                "lignes rejetées": sum(1 for r in records if r["action"] == ACTION_ROW_REJECTED),
                "doublons retirés": sum(1 for r in records if r["action"] == ACTION_DUPLICATE_REMOVED),
                "valeurs signalées": sum(1 for r in records if r["action"] in FLAGGED_ACTIONS),
                "colonnes ignorées ou supprimées": sum(
                    1 for r in records if r["action"] in (ACTION_COLUMN_IGNORED, ACTION_COLUMN_DROPPED)
                ),
            }
        )
    return pd.DataFrame(rows)


def summarize_reasons(data: TerritoryData) -> pd.DataFrame:
    """Counts of rejected or flagged rows by input, column, reason and action."""
    rejects = data.rejects()
    if rejects.empty:
        return pd.DataFrame(columns=["entrée", "fichier", "colonne", "motif", "action", "nombre", "lignes"])
    rejects = rejects.assign(entrée=rejects["entree"].map(INPUT_TITLES))
    keys = ["entrée", "fichier", "colonne", "motif", "action"]
    grouped = rejects.groupby(keys, dropna=False, sort=True)
    table = grouped.size().rename("nombre").to_frame()
    table["lignes"] = grouped["ligne"].agg(lambda s: describe_lines([int(x) for x in s.dropna()]))
    table = table.reset_index().sort_values(["entrée", "nombre", "motif"], ascending=[True, False, True], kind="stable")
    return table.reset_index(drop=True)


def reject_messages(data: TerritoryData) -> list[str]:
    """One French sentence per file, column and reason: « suivi.csv », colonne « sexe » : … (lignes 8 et 12)."""
    messages = []
    for _, row in summarize_reasons(data).iterrows():
        where = f"« {row['fichier']} »" + (f", colonne « {row['colonne']} »" if row["colonne"] else "")
        lines = f" ({row['lignes']})" if row["lignes"] else ""
        messages.append(f"{where} : {row['motif']}{lines} — {row['action']}.")
    return messages


def coverage_years(data: TerritoryData) -> pd.DataFrame:
    """Rows (follow-up, job-seeker cells) and contracts (DECP) per year."""
    parts = {}
    for key, column in (("suivi_clauses", "annee"), ("decp", "annee"), ("demandeurs_emploi", "annee"),
                        ("metiers_tension", "annee")):
        table = data.inputs[key].table
        if column in table and not table.empty:
            parts[INPUT_TITLES[key]] = table[column].dropna().astype(int).value_counts()
    if not parts:
        return pd.DataFrame()
    frame = pd.DataFrame(parts).fillna(0).astype(int).sort_index()
    frame.index.name = "année"
    return frame.reset_index()


def coverage_buyers(data: TerritoryData) -> pd.DataFrame:
    """Each partner buyer of the configuration: contracts followed, DECP contracts, planned purchases."""
    suivi = data.inputs["suivi_clauses"].table
    decp = data.inputs["decp"].table
    prevus = data.inputs["achats_prevus"].table
    rows = []
    for buyer in data.config.acheteurs:
        siret = str(buyer["siret"])
        rows.append(
            {
                "acheteur": buyer["nom"],
                "type": buyer["type"],
                "siret": siret,
                "marchés avec clause suivis": int(suivi.loc[suivi["acheteur_siret"] == siret, "id_marche"].nunique())
                if "acheteur_siret" in suivi else 0,
                "marchés publiés (DECP)": int((decp["acheteur_id"] == siret).sum()) if "acheteur_id" in decp else 0,
                "achats prévus": int((prevus["acheteur_siret"] == siret).sum()) if "acheteur_siret" in prevus else 0,
            }
        )
    return pd.DataFrame(rows)


def coverage_segments(data: TerritoryData) -> pd.DataFrame:
    """Contracts followed, DECP contracts and planned purchases per purchase segment."""
    labels = segment_labels(indeterminate=True)
    suivi = data.inputs["suivi_clauses"].table
    decp = data.inputs["decp"].table
    prevus = data.inputs["achats_prevus"].table
    frame = pd.DataFrame({"segment": list(labels)})
    frame["libellé"] = frame["segment"].map(labels)
    if "segment" in suivi:
        frame["marchés avec clause suivis"] = frame["segment"].map(suivi.groupby("segment")["id_marche"].nunique())
    if "codeCPV" in decp and not decp.empty:
        # a contract without a usable CPV code is kept and counted under the indeterminate segment
        segments = map_cpv_series(decp["codeCPV"]).fillna(INDETERMINATE_SEGMENT)
        frame["marchés publiés (DECP)"] = frame["segment"].map(segments.value_counts())
    if "code_cpv" in prevus and not prevus.empty:
        segments = map_cpv_series(prevus["code_cpv"]).fillna(INDETERMINATE_SEGMENT)
        frame["achats prévus"] = frame["segment"].map(segments.value_counts())
    counts = [c for c in frame.columns if c not in ("segment", "libellé")]
    frame[counts] = frame[counts].fillna(0).astype(int)
    return frame


def collect_warnings(data: TerritoryData, annee: int) -> list[str]:
    """French warnings for the facilitator, most important first."""
    warnings = []
    for key in INPUT_ORDER:
        result = data.inputs[key]
        title = INPUT_TITLES[key]
        if result.status == "absente":
            kind = "obligatoire" if key in REQUIRED_INPUTS else "facultative"
            warnings.append(f"Entrée {kind} « {title} » absente : les phases qui en dépendent diront qu'elles ne peuvent pas être réalisées.")
        elif result.status == "illisible":
            warnings.append(f"« {title} » illisible : {result.notices[-1]}")
        elif result.rows_read and result.rows_rejected / result.rows_read > HIGH_REJECTION_RATE:
            warnings.append(
                f"« {title} » : {result.rows_rejected} ligne(s) rejetée(s) sur {result.rows_read} "
                f"({result.rows_rejected / result.rows_read:.0%}) : vérifiez le fichier avant de poursuivre."
            )
    if not data.config.acheteurs:
        warnings.append("Aucun acheteur partenaire n'est déclaré dans territoire.yaml (clé « acheteurs ») : tous les "
                        "marchés publiés compteront parmi les « Autres acheteurs » et aucune fiche argumentaire ne "
                        "sera écrite.")
    suivi = data.inputs["suivi_clauses"].table
    if "annee" in suivi and not suivi.empty and annee not in set(suivi["annee"].dropna().astype(int)):
        warnings.append(f"Le suivi des clauses ne contient aucune ligne pour l'année étudiée {annee}.")
    buyers = coverage_buyers(data)
    if not buyers.empty and data.available("decp"):
        for _, row in buyers[buyers["marchés publiés (DECP)"] == 0].iterrows():
            warnings.append(f"Aucun marché publié (DECP) pour l'acheteur partenaire « {row['acheteur']} ».")
    return warnings


@dataclass
class DataCheck:
    """Everything notebook 00 shows and writes."""

    data: TerritoryData
    annee: int
    synthese: pd.DataFrame
    motifs: pd.DataFrame
    annees: pd.DataFrame
    acheteurs: pd.DataFrame
    segments: pd.DataFrame
    avertissements: list[str]
    notices: list[str]


def file_notices(data: TerritoryData) -> list[str]:
    """What the reading did of each file (encodings, labels read as the kit's, margins...), in the order of the
    inputs; an absent input and the reason a file is unreadable are left out: :func:`collect_warnings` says them."""
    notices = []
    for key in INPUT_ORDER:
        result = data.inputs[key]
        if result.status == "absente":
            continue
        notices.extend(result.notices[:-1] if result.status == "illisible" else result.notices)
    return notices


def check_territory(territoire: str | Path, annee: int | None = None, *, today=None) -> DataCheck:
    territoire, annee = parameters.as_opened(territoire, annee)
    data = load_territory(Path(territoire), today=today)
    annee = int(annee or data.config.annee)
    return DataCheck(
        data=data,
        annee=annee,
        synthese=summarize_inputs(data),
        motifs=summarize_reasons(data),
        annees=coverage_years(data),
        acheteurs=coverage_buyers(data),
        segments=coverage_segments(data),
        avertissements=collect_warnings(data, annee),
        notices=file_notices(data),
    )


def warnings_markdown(check: DataCheck) -> str:
    """The warnings and file notices as a French Markdown list."""
    lines = []
    if check.avertissements:
        lines.append("**Avertissements**")
        lines.extend(f"- {w}" for w in check.avertissements)
    else:
        lines.append("**Aucun avertissement** : toutes les entrées attendues sont présentes et lisibles.")
    if check.notices:
        lines.append("")
        lines.append("**Remarques sur les fichiers**")
        lines.extend(f"- {n}" for n in check.notices)
    return "\n".join(lines)


def key_figures(check: DataCheck) -> str:
    """A few stable lines summarising the check (pinned in the notebook's nbval test)."""
    lines = [f"Territoire : {check.data.config.nom} — année étudiée {check.annee}"]
    for _, row in check.synthese.iterrows():
        lines.append(
            f"{row['entrée']} : {row['statut']}, {row['lignes lues']} lue(s), {row['lignes acceptées']} acceptée(s), "
            f"{row['lignes rejetées']} rejetée(s), {row['doublons retirés']} doublon(s)"
        )
    return "\n".join(lines)
