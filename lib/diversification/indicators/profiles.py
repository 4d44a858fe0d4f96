"""Beneficiaries' profile beside the territory's job seekers (Fiche C1 §I and §II.a).

For each dimension (sex, age band, qualification level, RQTH, QPV, status),
the table gives, per value, the participants of the year (distinct pseudonyms,
first row of each: see :func:`diversification.indicators.demand.participants_of_year`)
and their share, the job seekers of the same year and their share, and the gap
in percentage points. The status of the participants (DELD, BRSA...) has no
column of its own in the job-seeker extraction: its job-seeker share is left
empty.

Each dimension is a frequency table whose total (all participants) is
published: the participant counts go through
:func:`diversification.indicators.disclosure.protect_frequencies` dimension by dimension
(primary and secondary suppression), and the shares and gaps of a hidden count
are hidden too.
"""

from __future__ import annotations

import pandas as pd

from diversification.indicators import disclosure
from diversification.indicators.demand import cells_for, jobseekers_of_year, participants_of_year
from diversification.inputs import schemas

#: Dimension → (French title, ordered values).
DIMENSIONS: dict[str, tuple[str, list]] = {
    "sexe": ("Sexe", schemas.SEXES),
    "tranche_age": ("Tranche d'âge", schemas.AGE_BANDS),
    "niveau_qualification": ("Niveau de qualification", schemas.QUALIFICATION_LEVELS),
    "rqth": ("RQTH / bénéficiaire de l'obligation d'emploi", [True, False]),
    "qpv": ("Résident QPV", [True, False]),
    "statut": ("Statut d'éligibilité", schemas.PARTICIPANT_STATUSES),
}
VALUE_LABELS = {"F": "Femmes", "H": "Hommes", True: "oui", False: "non"}
MISSING_LABEL = "non renseigné"
COLUMNS = ["dimension", "modalite", "participants", "part_participants", "demandeurs", "part_demandeurs", "ecart_points"]


def _counts(values: pd.Series, weights: pd.Series | None, order: list) -> pd.Series:
    weights = pd.Series(1, index=values.index) if weights is None else weights.astype("Int64").fillna(0)
    keys = values.astype(object).where(values.notna(), MISSING_LABEL)
    counts = weights.groupby(keys).sum()
    index = list(order) + sorted((v for v in counts.index if v not in order and v != MISSING_LABEL), key=str)
    if MISSING_LABEL in counts.index:
        index.append(MISSING_LABEL)
    return counts.reindex(index, fill_value=0).astype(int)


def compare_profiles(suivi: pd.DataFrame, demandeurs: pd.DataFrame | None, annee: int) -> pd.DataFrame:
    """Exact profile comparison (not protected: see :func:`profile_table`).

    Columns: ``dimension`` (French title), ``modalite``, ``participants``,
    ``part_participants``, ``demandeurs``, ``part_demandeurs``, ``ecart_points``
    (participants' share − job seekers' share, in points). Values in the order
    of the vocabularies of :mod:`diversification.inputs.schemas`; a « non renseigné »
    row only where values are missing.
    """
    people = participants_of_year(suivi, annee)
    seekers = None if demandeurs is None else jobseekers_of_year(demandeurs, annee)
    frames = []
    for column, (title, order) in DIMENSIONS.items():
        part = _counts(people[column], None, order)
        table = pd.DataFrame({"modalite": part.index, "participants": part.to_numpy()})
        n = int(part.sum())
        table["part_participants"] = table["participants"] / n if n else float("nan")
        cells = None if seekers is None or column not in seekers.columns or not len(seekers) else cells_for(seekers, [column])
        if cells is not None and len(cells):
            dem = _counts(cells[column], cells["effectif"], order)
            table["demandeurs"] = table["modalite"].map(dem).fillna(0).astype(int)
            total = int(dem.sum())
            table["part_demandeurs"] = table["demandeurs"] / total if total else float("nan")
        else:
            table["demandeurs"] = pd.NA
            table["part_demandeurs"] = float("nan")
        table.insert(0, "dimension", title)
        table["modalite"] = [VALUE_LABELS.get(v, v) for v in table["modalite"]]
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    out["participants"] = out["participants"].astype("Int64")
    out["demandeurs"] = out["demandeurs"].astype("Int64")
    for col in ("part_participants", "part_demandeurs"):
        out[col] = out[col].astype("Float64")
    out["ecart_points"] = ((out["part_participants"] - out["part_demandeurs"]) * 100).astype("Float64")
    out["dimension"] = out["dimension"].astype(object)
    out["modalite"] = out["modalite"].astype(object)
    return out[COLUMNS]


def protect_profiles(table: pd.DataFrame, threshold: int) -> disclosure.DisclosedTable:
    """Disclosure control of :func:`compare_profiles`, one frequency table per dimension.

    Job-seeker counts are protected the same way (primary and secondary
    suppression over each dimension), and their shares with them.
    """
    tables, masks = [], []
    for _, block in table.groupby("dimension", sort=False):
        block = block.reset_index(drop=True)
        part = disclosure.protect_frequencies(block, "participants", threshold,
                                              derived_cols=["part_participants", "ecart_points"])
        shown, mask = part.table, part.hidden.copy()
        if block["demandeurs"].notna().all():
            dem = disclosure.protect_frequencies(block, "demandeurs", threshold,
                                                 derived_cols=["part_demandeurs", "ecart_points"])
            for col in ("demandeurs", "part_demandeurs", "ecart_points"):
                mask[col] = mask[col] | dem.hidden[col]
            shown = disclosure.hide_derived(block, mask)
        tables.append(shown)
        masks.append(mask)
    protected = pd.concat(tables, ignore_index=True)
    hidden = pd.concat(masks, ignore_index=True)
    return disclosure.DisclosedTable(table=protected, hidden=hidden, rule=disclosure.describe_rule(threshold))


def profile_table(suivi: pd.DataFrame, demandeurs: pd.DataFrame | None, annee: int, threshold: int
                  ) -> disclosure.DisclosedTable:
    """:func:`compare_profiles` then :func:`protect_profiles` (what a notebook shows)."""
    return protect_profiles(compare_profiles(suivi, demandeurs, annee), threshold)


def profile_note(suivi: pd.DataFrame, annee: int) -> str:
    """French sentence giving the number of participants of the year (protected)."""
    n = len(participants_of_year(suivi, annee))
    if n == 0:
        return f"*Aucun participant en {annee} : le profil des bénéficiaires ne peut pas être décrit.*"
    return f"Profil des participants de {annee} (chaque participant compté une fois)."


