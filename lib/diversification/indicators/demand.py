"""Local job-seeker demand and priority publics (Fiche C1 §II.a, « recensement des besoins emploi/insertion »).

Definitions (one home for each):

* A **public** is a row of ``publics.csv``; its members are the rows matching
  ``regle_suivi`` (participants) or ``regle_demandeurs`` (job seekers), two
  conditions in pandas query syntax. A missing value never matches.
* **Participants** of a year: distinct pseudonyms of the suivi rows of that
  year; a participant's profile is that of his or her first row (sorted by
  pseudonym, file and line), so each participant counts once.
* **Representation index** of a public: share of the public among participants
  ÷ share of the public among the territory's job seekers (categories of the
  extraction, same year). 1 = represented as in the demand; below 1 =
  under-represented. Not computed when the public has no job seeker.
* **Priority score**: ``max(0, 1 − index) × weight``; weights come from
  ``poids_publics`` in ``territoire.yaml`` (1 by default). Rank 1 = highest
  score. By default a public is retained when its index is below
  :data:`DEFAULT_INDEX_THRESHOLD` and its weight is positive.

* **Margins**: a job-seeker table may be a published table whose rows give each
  criterion separately (« Ensemble » / « Total » elsewhere, column ``marges`` of
  the loaded table, see :attr:`diversification.inputs.schemas.ColumnSpec.margin`).
  A count by some criteria is read on the cells of one layout (:func:`cells_for`):
  those criteria detailed, the others a margin as far as possible; a public
  whose criteria no layout details is **not measurable** (count missing, with a
  reason), never 0. A table without margins is its own single layout.

Counts of participants and of job seekers are protected by
:mod:`diversification.indicators.disclosure` before display: a count (or its complement
in the total) between 1 and the threshold minus 1 is hidden, with the shares,
index and score derived from it. The decision itself (``retenu``, ``rang``) is
computed on the exact values and stays visible.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from diversification.indicators import disclosure
from diversification.indicators.decision_tables import decision_not_computed
from diversification.inputs import formatting
from diversification.inputs.errors import ConfigError
from diversification.inputs.referentiels import load_referentiel, split_list
from diversification.inputs.schemas import DEMANDEURS_EMPLOI, MARGINS_COLUMN

DEFAULT_INDEX_THRESHOLD = 1.0
DEFAULT_WEIGHT = 1.0
WEIGHTS_KEY = "poids_publics"

DECISION_COLUMNS = [
    "public_id", "libelle", "participants", "part_participants", "demandeurs", "part_demandeurs",
    "indice_representation", "poids", "score", "rang", "retenu",
]


# --- selection ----------------------------------------------------------------------------

def rule_mask(table: pd.DataFrame, rule: str) -> pd.Series:
    """Boolean mask of the rows matching a query rule of ``publics.csv`` (missing → False)."""
    if table.empty:
        return pd.Series(False, index=table.index, dtype=bool)
    result = table.eval(rule, engine="python")
    return pd.Series(result, index=table.index).astype("boolean").fillna(False).astype(bool)


def participants_of_year(suivi: pd.DataFrame, annee: int) -> pd.DataFrame:
    """One row per participant of the year (his or her first row)."""
    rows = suivi.loc[suivi["annee"] == int(annee)]
    order = [c for c in ("participant_id", "fichier", "ligne") if c in rows.columns]
    rows = rows.sort_values(order, kind="stable")
    return rows.drop_duplicates("participant_id", keep="first").reset_index(drop=True)


def jobseekers_of_year(demandeurs: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Job-seeker cells of the year."""
    return demandeurs.loc[demandeurs["annee"] == int(annee)].reset_index(drop=True)


def year_note(suivi: pd.DataFrame | None, demandeurs: pd.DataFrame | None, annee: int) -> str:
    """French sentence when the study year is missing from an input (empty string otherwise)."""
    problems = []
    for table, what in ((suivi, "le suivi des clauses"), (demandeurs, "les demandeurs d'emploi")):
        if table is None:
            continue
        years = sorted(int(y) for y in table["annee"].dropna().unique())
        if int(annee) not in years:
            have = ", ".join(map(str, years)) if years else "aucune"
            problems.append(f"{what} ne contient pas l'année {annee} (années présentes : {have})")
    if not problems:
        return ""
    return "*" + " ; ".join(problems).capitalize() + " : les indicateurs de cette année ne peuvent pas être calculés.*"


# --- layouts of a table with margins ----------------------------------------------------------

#: How the reason (``explication``) of a count the job-seeker table cannot give starts.
UNMEASURABLE = disclosure.UNMEASURABLE_LABEL
#: The criteria of the job-seeker table (the columns that may be margins).
CRITERIA = DEMANDEURS_EMPLOI.margin_columns
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def rule_columns(rule: str) -> list[str]:
    """The criteria a ``publics.csv`` rule reads (in the order of the job-seeker table)."""
    names = set(_NAME.findall(rule))
    return [c for c in CRITERIA if c in names]


def _layouts(rows: pd.DataFrame) -> pd.Series:
    return rows[MARGINS_COLUMN].fillna("") if MARGINS_COLUMN in rows.columns else pd.Series("", index=rows.index)


def cells_for(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame | None:
    """The cells on which to count job seekers by ``columns``: the rows of one layout (same margin columns) in
    which every column of ``columns`` is detailed, the layout with the most margins (then the largest total,
    then its name, for determinism); ``None`` when no layout details them all (not measurable)."""
    layouts = _layouts(rows)
    if rows.empty or (layouts == "").all():
        return rows
    wanted = set(columns)
    best, best_key = None, None
    counts = rows["effectif"].astype("Int64").fillna(0)
    for layout in layouts.unique():
        margins = set(filter(None, layout.split(",")))
        if margins & wanted:
            continue
        key = (len(margins), int(counts[layouts == layout].sum()), layout)
        if best_key is None or key > best_key:
            best, best_key = layout, key
    return None if best is None else rows.loc[layouts == best]


def missing_criteria(rows: pd.DataFrame, columns: list[str]) -> str:
    """French clause saying which criteria the job-seeker table lacks or does not cross (:func:`cells_for` gave
    ``None``)."""
    layouts = _layouts(rows)
    titles = {c.name: c.title for c in DEMANDEURS_EMPLOI.columns}
    never = [c for c in columns if all(c in layout.split(",") for layout in layouts.unique())]
    if never:
        return "les demandeurs d'emploi fournis ne donnent pas le critère " + ", ".join(f"« {titles[c]} »" for c in never)
    return "les demandeurs d'emploi fournis ne croisent pas les critères " + " et ".join(f"« {titles[c]} »" for c in columns)


def unmeasurable_reason(rows: pd.DataFrame, columns: list[str]) -> str:
    """French reason why job seekers cannot be counted by ``columns`` (:func:`cells_for` gave ``None``)."""
    return f"{UNMEASURABLE} : " + missing_criteria(rows, columns)


def _denominator(cells: pd.DataFrame, columns: list[str], total: int) -> int:
    """The job seekers a public's share is taken of: the whole table (``total``) when its cells detail only the
    public's criteria (« Femmes », « Hommes », « Ensemble » elsewhere: a missing row must not change the others'
    shares), else the cells' own total — they detail another criterion too, which may cover part of the job
    seekers only (the sex of category A alone in a published table whose total counts A, B and C)."""
    layout = _layouts(cells).iloc[0] if len(cells) else ""
    detailed = set(CRITERIA) - set(filter(None, layout.split(",")))
    return _count(cells) if detailed - set(columns) else total


def _count(cells: pd.DataFrame, mask: pd.Series | None = None) -> int:
    values = cells["effectif"] if mask is None else cells.loc[mask, "effectif"]
    return int(values.astype("Int64").fillna(0).sum())


# --- demand structure ----------------------------------------------------------------------

def _public_hidden(count: int, total: int, threshold: int) -> bool:
    """Whether a public's count is hidden: itself or its complement in the published total is small."""
    pair = pd.DataFrame({"n": [int(count), int(total - count)]})
    return bool(disclosure.protect_frequencies(pair, "n", threshold).hidden["n"].iloc[0])


def demand_by_public(demandeurs: pd.DataFrame, annee: int, publics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Job seekers of each public (``publics.csv`` order): ``demandeurs``, ``part_demandeurs``, and
    ``explication`` (why a public is not measurable, :func:`cells_for`; its count is then missing, not 0).

    ``attrs["bases"]``: public_id → the job seekers its share is taken of (:func:`_denominator`), whose
    complement the disclosure control checks (:func:`protect_representation`)."""
    publics = load_referentiel("publics") if publics is None else publics
    rows = jobseekers_of_year(demandeurs, annee)
    total = _count(cells_for(rows, []))
    records, bases = [], {}
    for public in publics.itertuples(index=False):
        columns = rule_columns(public.regle_demandeurs)
        cells = cells_for(rows, columns)
        why = "" if cells is not None else unmeasurable_reason(rows, columns)
        n = None
        if cells is not None:
            mask = rule_mask(cells, public.regle_demandeurs)
            if not mask.any() and (_layouts(cells) != "").any():
                # a published table lists every value of a criterion: a public without a row is missing (a row
                # rejected, a secret cell), not a count of 0
                why = f"{UNMEASURABLE} : aucune ligne des demandeurs d'emploi fournis ne donne ce public"
            else:
                n = _count(cells, mask)
        base = total if cells is None else _denominator(cells, columns, total)
        bases[public.public_id] = base
        records.append({"public_id": public.public_id, "libelle": public.libelle, "demandeurs": n,
                        "part_demandeurs": n / base if base and n is not None else None, "explication": why})
    table = pd.DataFrame(records, columns=["public_id", "libelle", "demandeurs", "part_demandeurs", "explication"])
    table["demandeurs"] = table["demandeurs"].astype("Int64")
    table["part_demandeurs"] = table["part_demandeurs"].astype("Float64")
    table.attrs["bases"] = bases
    return table


def demand_by_rome(
    demandeurs: pd.DataFrame, annee: int, *, top: int | None = 15, fap_rome: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Job seekers by sought trade (ROME): ``code_rome``, ``metier``, ``demandeurs``, ``part_demandeurs``.

    Sorted by count (descending) then code; ``top`` keeps the first rows (None: all). Empty when the table
    does not give the trades (:func:`cells_for`).
    """
    year = jobseekers_of_year(demandeurs, annee)
    rows = cells_for(year, ["code_rome"])
    why = "" if rows is not None else missing_criteria(year, ["code_rome"])
    if rows is None:
        rows = year.iloc[0:0]
    counts = rows["effectif"].astype("Int64").fillna(0).astype(int)
    by_rome = counts.groupby(rows["code_rome"].astype(str)).sum()
    total = int(by_rome.sum())
    table = by_rome.rename("demandeurs").rename_axis("code_rome").reset_index()
    if table.empty:
        table = pd.DataFrame({"code_rome": pd.Series(dtype=object), "demandeurs": pd.Series(dtype="Int64")})
    table["metier"] = table["code_rome"].map(rome_labels(fap_rome)).fillna("")
    table["part_demandeurs"] = (table["demandeurs"] / total if total else table["demandeurs"] * float("nan")).astype("Float64")
    table = table.sort_values(["demandeurs", "code_rome"], ascending=[False, True], kind="stable")
    if top is not None:
        table = table.head(top)
    table["demandeurs"] = table["demandeurs"].astype("Int64")
    table = table[["code_rome", "metier", "demandeurs", "part_demandeurs"]].reset_index(drop=True)
    table.attrs["explication"] = why
    return table


def rome_labels(fap_rome: pd.DataFrame | None = None) -> dict[str, str]:
    """ROME code → French label: every fiche of the ROME (``rome.csv``), or the codes of ``fap_rome`` when a
    table is given (tests)."""
    if fap_rome is None:
        table = load_referentiel("rome")
        return dict(zip(table["code_rome"], table["libelle_rome"]))
    first = fap_rome.sort_values("code_rome", kind="stable").drop_duplicates("code_rome")
    return dict(zip(first["code_rome"], first["libelle_rome"]))


def protect_counts(table: pd.DataFrame, count_col: str, threshold: int, derived_cols=(), total: bool = True
                   ) -> disclosure.DisclosedTable:
    """Disclosure control of a table of counts (for the notebooks). A missing count (not measurable,
    :func:`cells_for`) is left out of the protection and stays missing, not hidden; the rule under the table
    starts with ``table.attrs["explication"]`` (why the counts are not measurable) when there is one."""
    measurable = table[count_col].notna()
    part = disclosure.protect_frequencies(table[measurable] if not measurable.all() else table, count_col, threshold,
                                          derived_cols=list(derived_cols), total=total)
    if not measurable.all():
        hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
        hidden.loc[measurable] = part.hidden
        part = disclosure.DisclosedTable(table=disclosure.hide_derived(table, hidden), hidden=hidden, rule=part.rule,
                                         total_hidden=part.total_hidden)
    why = table.attrs.get("explication")
    if why:
        part = dataclasses.replace(part, rule=f"*Effectifs non mesurables : {why}.* {part.rule}")
    return part


# --- representation --------------------------------------------------------------------------

def representation_index(
    suivi: pd.DataFrame,
    demandeurs: pd.DataFrame,
    annee: int,
    publics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Exact representation of each public (not protected: see :func:`protect_representation`).

    Columns: ``public_id``, ``libelle``, ``participants``, ``part_participants``,
    ``demandeurs``, ``part_demandeurs``, ``indice_representation``, ``explication``
    (French reason when the index is missing). Order of ``publics.csv``.
    """
    publics = load_referentiel("publics") if publics is None else publics
    people = participants_of_year(suivi, annee)
    n_people = len(people)
    demand = demand_by_public(demandeurs, annee, publics)
    records = []
    for public, dem in zip(publics.itertuples(index=False), demand.itertuples(index=False)):
        n = int(rule_mask(people, public.regle_suivi).sum())
        share_p = n / n_people if n_people else None
        share_d = None if pd.isna(dem.part_demandeurs) else float(dem.part_demandeurs)
        index, why = None, ""
        if not n_people:
            why = f"aucun participant en {annee}"
        elif dem.explication:
            why = dem.explication
        elif share_d is None:
            why = f"aucun demandeur d'emploi en {annee}"
        elif share_d == 0:
            why = "aucun demandeur d'emploi de ce public"
        else:
            index = share_p / share_d
        records.append({
            "public_id": public.public_id, "libelle": public.libelle, "participants": n,
            "part_participants": share_p, "demandeurs": None if pd.isna(dem.demandeurs) else int(dem.demandeurs), "part_demandeurs": share_d,
            "indice_representation": index, "explication": why,
        })
    table = pd.DataFrame(records)
    table["participants"] = table["participants"].astype("Int64")
    table["demandeurs"] = table["demandeurs"].astype("Int64")
    for col in ("part_participants", "part_demandeurs", "indice_representation"):
        table[col] = table[col].astype("Float64")
    table.attrs["participants_total"] = n_people
    table.attrs["demandeurs_bases"] = demand.attrs["bases"]
    return table


def _hidden_rows(table: pd.DataFrame, threshold: int, participants_total: int,
                 demandeurs_total: int | dict[str, int]):
    hide_p = [_public_hidden(int(n), participants_total, threshold) if pd.notna(n) else False
              for n in table["participants"]]
    bases = (demandeurs_total if isinstance(demandeurs_total, dict)
             else dict.fromkeys(table["public_id"], demandeurs_total))
    hide_d = [_public_hidden(int(n), bases[public], threshold) if pd.notna(n) else False
              for public, n in zip(table["public_id"], table["demandeurs"])]
    return pd.Series(hide_p, index=table.index), pd.Series(hide_d, index=table.index)


def protect_representation(
    table: pd.DataFrame, threshold: int, *, participants_total: int, demandeurs_total: int | dict[str, int]
) -> pd.DataFrame:
    """Hide the participant / job-seeker counts (and what derives from them) that could identify someone.

    A count is hidden when it, or its complement in the published total, lies
    between 1 and ``threshold - 1``. ``demandeurs_total``: the job seekers of the table, or, by public_id, those
    each public's share is taken of (``attrs["demandeurs_bases"]`` of :func:`representation_index`: category A
    alone for the women of a published table whose sex is given for category A only). Derived columns hidden with the participant
    count: ``part_participants``, ``indice_representation``, ``score``; with the
    job-seeker count: ``part_demandeurs``, ``indice_representation``, ``score``.
    The ``explication`` column says « secret statistique » where the index is hidden.
    """
    out = table.copy()
    hide_p, hide_d = _hidden_rows(table, threshold, participants_total, demandeurs_total)
    for col in ("participants", "part_participants"):
        out[col] = disclosure.hide_derived(out[col], hide_p)
    for col in ("demandeurs", "part_demandeurs"):
        out[col] = disclosure.hide_derived(out[col], hide_d)
    either = hide_p | hide_d
    for col in ("indice_representation", "sous_representation", "score"):
        if col in out.columns:
            out[col] = disclosure.hide_derived(out[col], either)
    if "explication" in out.columns:
        text = out["explication"].astype(object)
        unmeasurable = text.astype(str).str.startswith(UNMEASURABLE)  # no index anyway: the reason stays
        out["explication"] = text.where(~either | unmeasurable, "effectif soumis au secret statistique")
    return out


def representation_table(
    suivi: pd.DataFrame, demandeurs: pd.DataFrame, annee: int, threshold: int, publics: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`representation_index` protected for display."""
    table = representation_index(suivi, demandeurs, annee, publics)
    return protect_representation(
        table, threshold,
        participants_total=table.attrs["participants_total"],
        demandeurs_total=table.attrs["demandeurs_bases"],
    )


def _total_jobseekers(demandeurs: pd.DataFrame, annee: int) -> int:
    return _count(cells_for(jobseekers_of_year(demandeurs, annee), []))


def representation_indicators(protected: pd.DataFrame, public_ids: list[str] | None = None) -> pd.DataFrame:
    """Indicator rows ``indice_representation_<public>`` for :mod:`diversification.indicators.findings`."""
    rows = protected if public_ids is None else protected[protected["public_id"].isin(public_ids)]
    records = []
    for row in rows.itertuples(index=False):
        value = row.indice_representation
        records.append({
            "indicateur": f"indice_representation_{row.public_id}",
            "libelle": f"Indice de représentation : {row.libelle[:1].lower() + row.libelle[1:]}",  # « du RSA » kept
            "valeur": None if pd.isna(value) else float(value),
            "unite": "indice",
            "explication": "" if pd.notna(value) else row.explication,
        })
    table = pd.DataFrame(records, columns=["indicateur", "libelle", "valeur", "unite", "explication"])
    table["valeur"] = table["valeur"].astype("Float64")
    return table


# --- priority publics --------------------------------------------------------------------------

def public_weights(config: dict | None, public_ids: list[str]) -> dict[str, float]:
    """Weight of each public: ``poids_publics`` of ``territoire.yaml``, 1 by default.

    An unknown public id or a non-numeric / negative weight raises
    :class:`ConfigError` with a French message naming the key.
    """
    raw = (config or {}).get(WEIGHTS_KEY) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"territoire.yaml : « {WEIGHTS_KEY} » doit associer un public à un poids (ex. femmes: 2).")
    weights = {p: DEFAULT_WEIGHT for p in public_ids}
    for key, value in raw.items():
        if key not in weights:
            raise ConfigError(
                f"territoire.yaml : {WEIGHTS_KEY}.{key} : public inconnu « {key} » "
                f"(publics connus : {', '.join(public_ids)})."
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(
                f"territoire.yaml : {WEIGHTS_KEY}.{key} : poids « {value} » invalide (nombre positif ou nul attendu)."
            )
        weights[key] = float(value)
    return weights


def rank_priority_publics(
    representation: pd.DataFrame,
    weights: dict[str, float] | None = None,
    *,
    seuil_indice: float = DEFAULT_INDEX_THRESHOLD,
) -> pd.DataFrame:
    """Priority publics: score, rank and default retention (exact values, not protected).

    ``score = max(0, 1 − indice_representation) × poids``; rank 1 = highest score
    (ties: order of ``publics.csv``); publics whose index is missing come last,
    with no score. ``retenu`` = index < ``seuil_indice`` and weight > 0.
    """
    table = representation.copy()
    weights = weights or {}
    table["poids"] = pd.Series([float(weights.get(p, DEFAULT_WEIGHT)) for p in table["public_id"]],
                               index=table.index, dtype="Float64")
    index = table["indice_representation"].astype("Float64")
    under = (1 - index).clip(lower=0)
    table["sous_representation"] = under.astype("Float64")
    table["score"] = (under * table["poids"]).astype("Float64")
    order = pd.DataFrame({"missing": table["score"].isna(), "neg": -table["score"].astype(float).fillna(0),
                          "pos": range(len(table))}, index=table.index)
    ranked = order.sort_values(["missing", "neg", "pos"], kind="stable").index
    table["rang"] = pd.Series(range(1, len(table) + 1), index=ranked).reindex(table.index).astype("Int64")
    table["retenu"] = ((index < seuil_indice).fillna(False) & (table["poids"] > 0).fillna(False)).astype(bool)
    table = table.sort_values("rang", kind="stable").reset_index(drop=True)
    return table[[*DECISION_COLUMNS, "sous_representation", "explication"]]


def compute_priority_publics(
    suivi: pd.DataFrame,
    demandeurs: pd.DataFrame,
    annee: int,
    threshold: int,
    config: dict | None = None,
    *,
    seuil_indice: float = DEFAULT_INDEX_THRESHOLD,
    publics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The decision table ``publics_prioritaires`` (protected; ``origine`` added by the study).

    Columns: public_id, libelle, participants, part_participants, demandeurs,
    part_demandeurs, indice_representation, poids, score, rang, retenu,
    sous_representation, explication.
    """
    publics = load_referentiel("publics") if publics is None else publics
    weights = public_weights(config, list(publics["public_id"]))
    exact = representation_index(suivi, demandeurs, annee, publics)
    ranked = rank_priority_publics(exact, weights, seuil_indice=seuil_indice)
    return protect_representation(
        ranked, threshold,
        participants_total=exact.attrs["participants_total"],
        demandeurs_total=exact.attrs["demandeurs_bases"],
    )


#: Below this number of participants, the representation indices are flagged as fragile.
MIN_PARTICIPANTS = 30


def population_note(suivi: pd.DataFrame, annee: int, minimum: int = MIN_PARTICIPANTS) -> str:
    """French warning when the participants of the year are too few for a reliable comparison."""
    n = len(participants_of_year(suivi, annee))
    if n == 0:
        return f"*Aucun participant en {annee} : les indices de représentation ne peuvent pas être calculés.*"
    if n < minimum:
        return (
            f"*Attention : moins de {minimum} participants en {annee}. Avec si peu de personnes, un ou deux "
            "parcours de plus ou de moins changent fortement les indices de représentation : lisez-les comme "
            "des ordres de grandeur, à confirmer sur plusieurs années.*"
        )
    return ""


def retention_rule(seuil_indice: float = DEFAULT_INDEX_THRESHOLD) -> str:
    """French sentence stating the default retention rule."""
    seuil = formatting.number(seuil_indice, 2).rstrip("0").rstrip(",")
    return (
        f"Règle par défaut : un public est retenu comme prioritaire quand son indice de représentation est "
        f"inférieur à {seuil} (sa part parmi les participants est plus faible que sa part parmi les demandeurs "
        "d'emploi) et que son poids est positif. Le score, qui ordonne les publics, vaut "
        "(1 − indice) × poids ; les poids viennent de « poids_publics » dans territoire.yaml (1 par défaut). "
        "La liste peut être imposée par « decisions_epinglees.publics_prioritaires »."
    )


def decision_markdown(decision: pd.DataFrame) -> str:
    """French sentence listing the retained publics and the origin of the decision (or why it is not computed)."""
    reason = decision_not_computed(decision)
    if reason is not None:
        return f"**{reason}**"
    kept = decision.loc[decision["retenu"].astype(bool)].sort_values("rang", kind="stable")
    origin = str(decision["origine"].iloc[0]) if "origine" in decision.columns and len(decision) else "calculée"
    if kept.empty:
        return f"*Aucun public n'est retenu comme prioritaire (décision {origin}).*"
    names = ", ".join(label[:1].lower() + label[1:] for label in kept["libelle"])
    return f"**Publics prioritaires retenus ({len(kept)}, décision {origin})** : {names}."


# --- trades of the priority publics → segments --------------------------------------------------

def _trade_columns(publics: pd.DataFrame) -> list[str]:
    """The criteria of these publics' rules and the sought trade (the cells of :func:`jobseekers_of_publics`)."""
    return [c for c in CRITERIA if c == "code_rome" or any(c in rule_columns(r) for r in publics["regle_demandeurs"])]


def jobseekers_of_publics(demandeurs: pd.DataFrame, annee: int, public_ids: list[str],
                          publics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Job-seeker cells of the year belonging to at least one of ``public_ids`` (no double count), by sought
    trade: on the cells of :func:`cells_for` (the publics' criteria and the trade detailed); ``None`` when the
    table does not cross them (not measurable)."""
    publics = load_referentiel("publics") if publics is None else publics
    chosen = publics.loc[publics["public_id"].isin(public_ids)]
    rows = cells_for(jobseekers_of_year(demandeurs, annee), _trade_columns(chosen))
    if rows is None:
        return None
    mask = pd.Series(False, index=rows.index)
    for public in chosen.itertuples(index=False):
        mask |= rule_mask(rows, public.regle_demandeurs)
    return rows.loc[mask].reset_index(drop=True)


def segments_for_publics(
    demandeurs: pd.DataFrame,
    annee: int,
    public_ids: list[str],
    *,
    publics: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Segment → job seekers of the priority publics seeking one of its trades (``codes_rome``).

    Columns: ``segment_id``, ``libelle``, ``groupe``, ``demandeurs_publics_prioritaires``
    (job seekers of at least one priority public whose sought ROME is a trade of
    the segment), ``part_demandeurs_publics`` (share of all the job seekers of
    the priority publics), ``metiers_principaux`` (the three ROME codes with the
    most such job seekers), ``explication`` (empty, or why the counts are not measurable). A ROME code may
    belong to several segments: the column does not add up across segments. Sorted by count (descending) then
    id. When the job-seeker table does not cross the publics' criteria with the trades, the counts are missing
    (not 0) and ``attrs["explication"]`` says why.
    """
    segments = load_referentiel("segments") if segments is None else segments
    rows = jobseekers_of_publics(demandeurs, annee, public_ids, publics)
    unmeasurable = rows is None
    why = ""
    if unmeasurable:
        chosen = publics if publics is not None else load_referentiel("publics")
        why = missing_criteria(jobseekers_of_year(demandeurs, annee),
                               _trade_columns(chosen.loc[chosen["public_id"].isin(public_ids)]))
        rows = jobseekers_of_year(demandeurs, annee).iloc[0:0]
    counts = rows["effectif"].astype("Int64").fillna(0).astype(int)
    by_rome = counts.groupby(rows["code_rome"].astype(str)).sum()
    total = int(by_rome.sum())
    records = []
    for seg in segments.itertuples(index=False):
        codes = split_list(seg.codes_rome)
        found = by_rome[by_rome.index.isin(codes)]
        found = found[found > 0]
        found = found.iloc[sorted(range(len(found)), key=lambda i: (-int(found.iloc[i]), found.index[i]))]
        n = int(found.sum())
        records.append({
            "segment_id": seg.segment_id, "libelle": seg.libelle, "groupe": seg.groupe,
            "demandeurs_publics_prioritaires": None if unmeasurable else n,
            "part_demandeurs_publics": n / total if total else None,
            "metiers_principaux": ", ".join(found.index[:3]),
            "explication": f"{UNMEASURABLE} : {why}" if unmeasurable else "",
        })
    table = pd.DataFrame(records)
    table["demandeurs_publics_prioritaires"] = table["demandeurs_publics_prioritaires"].astype("Int64")
    table["part_demandeurs_publics"] = table["part_demandeurs_publics"].astype("Float64")
    table = table.sort_values(["demandeurs_publics_prioritaires", "segment_id"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    if unmeasurable:
        table.attrs["explication"] = why
    return table


def segments_table(
    demandeurs: pd.DataFrame, annee: int, decision: pd.DataFrame, threshold: int
) -> disclosure.DisclosedTable:
    """:func:`segments_for_publics` for the retained publics of the decision, protected.

    Overlapping segments share job seekers, so no total is published: primary
    suppression applies (counts between 1 and ``threshold - 1`` hidden).
    """
    kept = list(decision.loc[decision["retenu"].astype(bool), "public_id"])
    table = segments_for_publics(demandeurs, annee, kept)
    return protect_counts(table, "demandeurs_publics_prioritaires", threshold,
                          derived_cols=["part_demandeurs_publics"], total=False)


# --- charts ---------------------------------------------------------------------------------

def key_figures(decision: pd.DataFrame, segments: disclosure.DisclosedTable) -> str:
    """Stable French lines of the key figures of phase 02 (pinned by nbval)."""
    reason = decision_not_computed(decision)
    lines = [] if reason is None else [reason]
    for row in ([] if reason else decision.sort_values("rang", kind="stable").itertuples(index=False)):
        index = "secret ou non calculable" if pd.isna(row.indice_representation) else f"{float(row.indice_representation):.3f}"
        lines.append(f"{int(row.rang)}. {row.public_id} : indice {index}, retenu {'oui' if row.retenu else 'non'}")
    top = segments.table.head(3)
    hidden = segments.hidden["demandeurs_publics_prioritaires"].head(3)
    shown = [("secret" if h else UNMEASURABLE) if pd.isna(n) else str(int(n))
             for n, h in zip(top["demandeurs_publics_prioritaires"], hidden)]
    lines.append("segments : " + ", ".join(f"{s} {n}" for s, n in zip(top["segment_id"], shown)))
    return "\n".join(lines)
