"""Each territory among its peers, nationally (issue 20): pure functions over the cleaned national DECP table.

Input: the cleaned table of :mod:`diversification.inputs.national` (columns ``acheteur_id``, ``acheteur_nom``,
``departement``, ``segment``, ``consideration_sociale``, ``montant_final``, ``montant_valide``, ``clause_sociale``,
``critere_social``, ``marche_reserve``; optionally ``acheteur_departement_code``).

Definitions (one home for each; the shares are those of :func:`purchases.social_shares`):

* **Department of a contract** (:func:`attach_departments`): the place of execution; else the buyer's department
  given by the file (``acheteur_departement_code``); else the most frequent department of execution of the buyer's
  other contracts (smallest code on a tie). ``source_departement`` says which (assumption, HYPOTHESES.md § Pairs).
* **Partial sums** (:func:`contract_sums`): the contracts grouped by buyer, place and segment; every indicator
  below is computed alike from the contracts or from these sums (added, shares computed from the sums), and the
  national cache uses the sums (a million contracts become a few thousand rows).
* **Department × segment indicators** (:func:`department_segment_indicators`): contracts, valid amount, share with a
  social consideration by number (``part_nb``) and by amount (``part_montant``), share of reserved contracts
  (``part_reserve``, same denominator: contracts of known status).
* **Concentration** (:func:`department_concentration`): share of the contracts with a social consideration held by
  the construction and cleaning segments, and effective number of segments (``1 / HHI`` of those contracts).
* **Buyer × segment indicators** (:func:`buyer_segment_indicators`): the same, for buyers with at least
  ``seuil_marches_acheteur_pairs`` contracts (``parametres.csv``).
* **Peers** (:func:`peer_group`): the departments of the territory's size band (``bandes_pairs.csv``: share of the
  ranking of departments by contracts or amount) or the ``pairs:`` list of ``territoire.yaml``.
* **Position** (:func:`peer_position`): per segment, the territory's value, the peers' median and quartiles (linear
  interpolation), its rank among all departments and among its peers (1 = highest share; ties share the best rank).
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from diversification.indicators.figure_memo import remembered
from diversification.indicators.concentration import concentrated_segments, effective_number, hhi
from diversification.indicators.purchases import UNKNOWN_SEGMENT, contract_counts, social_shares, social_sums
from diversification.inputs import formatting
from diversification.inputs.referentiels import load_referentiel

#: Value of ``source_departement``.
SOURCE_PLACE = "lieu d'exécution"
SOURCE_BUYER_FILE = "département de l'acheteur (fichier)"
SOURCE_BUYER_DERIVED = "département de l'acheteur (déduit de ses autres marchés)"
SOURCE_NONE = "non déterminé"
BUYER_DEPARTMENT_COLUMN = "acheteur_departement_code"
BUYER_THRESHOLD_PARAMETER = "seuil_marches_acheteur_pairs"
#: The indicator a territory is ranked on by default.
DEFAULT_VALUE = "part_nb"
SHARE_COLUMNS = ("part_nb", "part_montant", "part_reserve")
INDICATOR_COLUMNS = ["nb_marches", "montant", "nb_consideration_connue", "nb_avec_consideration",
                     "nb_marche_reserve", "part_nb", "part_montant", "part_reserve"]


def _department_code(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper()
    return text.where(text.str.len() > 0)


def buyer_departments(table: pd.DataFrame) -> pd.DataFrame:
    """One row per buyer: its department and where it comes from (file column, else its contracts)."""
    ids = table["acheteur_id"].astype("string")
    place = _department_code(table["departement"])
    derived = (pd.DataFrame({"acheteur_id": ids, "departement": place, "n": contract_counts(table)})
               .dropna(subset=["acheteur_id", "departement"])
               .groupby(["acheteur_id", "departement"])["n"].sum().reset_index()
               .sort_values(["acheteur_id", "n", "departement"], ascending=[True, False, True])
               .drop_duplicates("acheteur_id").set_index("acheteur_id")["departement"])
    out = pd.DataFrame({"acheteur_id": pd.Series(ids.dropna().unique(), dtype="string")})
    out["departement_acheteur"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["source_departement_acheteur"] = SOURCE_NONE
    if BUYER_DEPARTMENT_COLUMN in table:
        given = (pd.DataFrame({"acheteur_id": ids, "d": _department_code(table[BUYER_DEPARTMENT_COLUMN])})
                 .dropna().drop_duplicates("acheteur_id").set_index("acheteur_id")["d"])
        found = out["acheteur_id"].map(given)
        out.loc[found.notna(), "departement_acheteur"] = found[found.notna()]
        out.loc[found.notna(), "source_departement_acheteur"] = SOURCE_BUYER_FILE
    missing = out["departement_acheteur"].isna()
    guess = out["acheteur_id"].map(derived)
    use = missing & guess.notna()
    out.loc[use, "departement_acheteur"] = guess[use]
    out.loc[use, "source_departement_acheteur"] = SOURCE_BUYER_DERIVED
    return out


def contract_sums(table: pd.DataFrame) -> pd.DataFrame:
    """The contracts of ``table`` (the cleaned national table) as partial sums (:func:`purchases.social_sums`) by
    buyer, place of execution and segment (and the buyer's department of the file when given), each row with its
    buyer's name (the first one published, in file order).

    Every function of this module gives the same indicators from these sums as from the contracts (counts and
    amounts are added, the shares computed from them), over a few thousand rows instead of a million.
    """
    keys = ["acheteur_id", "departement", "segment"] + ([BUYER_DEPARTMENT_COLUMN] if BUYER_DEPARTMENT_COLUMN in table
                                                          else [])
    sums = social_sums(table, keys)
    ids = table["acheteur_id"]
    names = table["acheteur_nom"].groupby(ids.astype("string") if ids.dtype == object else ids,
                                           observed=True, sort=False).first()
    names.index = names.index.astype("string")
    sums.insert(1, "acheteur_nom", sums["acheteur_id"].astype("string").map(names).astype("string"))
    return sums


def attach_departments(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``departement_retenu`` and ``source_departement`` (see the module docstring)."""
    out = table.copy()
    place = _department_code(out["departement"])
    buyers = buyer_departments(out).set_index("acheteur_id")
    ids = out["acheteur_id"].astype("string")
    buyer_dep = ids.map(buyers["departement_acheteur"]).astype("string")
    buyer_src = ids.map(buyers["source_departement_acheteur"]).fillna(SOURCE_NONE)
    out["departement_retenu"] = place.fillna(buyer_dep).astype("string")
    out["source_departement"] = np.where(place.notna(), SOURCE_PLACE,
                                         np.where(buyer_dep.notna(), buyer_src, SOURCE_NONE))
    return out


def _with_reserved_share(frame: pd.DataFrame) -> pd.DataFrame:
    known = frame["nb_consideration_connue"].where(frame["nb_consideration_connue"] > 0)
    frame["part_reserve"] = (frame["nb_marche_reserve"] / known).astype("Float64")
    return frame


def department_segment_indicators(table: pd.DataFrame) -> pd.DataFrame:
    """Department × segment indicators (``table`` already through :func:`attach_departments`).

    Contracts without a department are left out; the indeterminate segment is kept (it is never ranked).
    """
    placed = table.loc[table["departement_retenu"].notna()]
    shares = social_shares(placed, ["departement_retenu", "segment"]).rename(columns={"departement_retenu": "departement"})
    return _with_reserved_share(shares)[["departement", "segment", *INDICATOR_COLUMNS]]


def department_totals(table: pd.DataFrame) -> pd.DataFrame:
    """One row per department: all its contracts and amount, with the shares (same definitions)."""
    placed = table.loc[table["departement_retenu"].notna()]
    shares = social_shares(placed, ["departement_retenu"]).rename(columns={"departement_retenu": "departement"})
    return _with_reserved_share(shares)[["departement", *INDICATOR_COLUMNS]]


def department_concentration(indicators: pd.DataFrame, segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per department: share of its contracts with a social consideration held by construction and cleaning
    (``part_travaux_nettoyage``) and effective number of segments (``nombre_effectif_segments``); both ``<NA>``
    for a department without any such contract."""
    concentrated = set(concentrated_segments(segments))
    departments = pd.Index(sorted(indicators["departement"].dropna().unique()), name="departement")
    ranked = indicators.loc[indicators["segment"] != UNKNOWN_SEGMENT]
    counts = ranked["nb_avec_consideration"].astype(float)
    by = ranked["departement"]
    total = counts.groupby(by).sum().reindex(departments, fill_value=0.0)
    held = counts.where(ranked["segment"].isin(concentrated), 0.0).groupby(by).sum().reindex(departments)
    with_any = set(total.index[total > 0])
    effective = {dep: effective_number(hhi(group)) for dep, group in counts.groupby(by) if dep in with_any}
    out = pd.DataFrame({
        "departement": departments,
        "part_travaux_nettoyage": (held / total).where(total > 0).to_numpy(),
        "nombre_effectif_segments": [effective.get(dep, np.nan) for dep in departments]})
    for column in ("part_travaux_nettoyage", "nombre_effectif_segments"):
        out[column] = out[column].astype("Float64")
    return out


def buyer_threshold(overrides: dict | None = None) -> int:
    """Minimum number of contracts of a buyer (``parametres.csv``, replaced by ``parametres`` of territoire.yaml)."""
    if overrides and BUYER_THRESHOLD_PARAMETER in overrides:
        return int(overrides[BUYER_THRESHOLD_PARAMETER])
    table = load_referentiel("parametres").set_index("parametre")
    return int(table.loc[BUYER_THRESHOLD_PARAMETER, "valeur"])


def buyer_segment_indicators(table: pd.DataFrame, min_contracts: int) -> pd.DataFrame:
    """Buyer × segment indicators for the buyers with at least ``min_contracts`` contracts in the whole file.

    ``table`` is through :func:`attach_departments`; each buyer carries its own department
    (:func:`buyer_departments`) and its name as published in DECP.
    """
    counts = pd.Series(contract_counts(table), index=table.index).groupby(table["acheteur_id"].astype("string")).sum()
    kept = counts[counts >= min_contracts].index
    rows = table.loc[table["acheteur_id"].astype("string").isin(kept)]
    shares = _with_reserved_share(social_shares(rows, ["acheteur_id", "segment"]))
    names = (rows.assign(acheteur_id=rows["acheteur_id"].astype("string"))
             .dropna(subset=["acheteur_nom"]).drop_duplicates("acheteur_id").set_index("acheteur_id")["acheteur_nom"])
    places = buyer_departments(table).set_index("acheteur_id")
    shares["acheteur_nom"] = shares["acheteur_id"].map(names).astype("string")
    shares["departement"] = shares["acheteur_id"].map(places["departement_acheteur"]).astype("string")
    shares["source_departement"] = shares["acheteur_id"].map(places["source_departement_acheteur"])
    shares["nb_marches_acheteur"] = shares["acheteur_id"].map(counts).astype("int64")
    return shares[["acheteur_id", "acheteur_nom", "departement", "source_departement", "nb_marches_acheteur", "segment",
                   *INDICATOR_COLUMNS]]


def buyers_above(buyers: pd.DataFrame, min_contracts: int) -> pd.DataFrame:
    """The rows of :func:`buyer_segment_indicators` of the buyers with at least ``min_contracts`` contracts."""
    return buyers.loc[buyers["nb_marches_acheteur"] >= min_contracts].reset_index(drop=True)


# --- peers -----------------------------------------------------------------------------------

def size_bands(totals: pd.DataFrame, bands: pd.DataFrame | None = None) -> pd.DataFrame:
    """Band of each department (``bandes_pairs.csv``): departments ranked by the band's criterion (contracts or
    amount, ascending, ties by code); position ``(rank - 1) / (n - 1)`` in ``[rang_min, rang_max[`` (1 in the last)."""
    bands = load_referentiel("bandes_pairs") if bands is None else bands
    criteria = set(bands["critere"])
    if len(criteria) != 1 or not criteria <= {"marches", "montant"}:
        raise ValueError("bandes_pairs.csv : un seul critère attendu, « marches » ou « montant »")
    column = "nb_marches" if criteria == {"marches"} else "montant"
    ordered = totals.sort_values([column, "departement"]).reset_index(drop=True)
    n = len(ordered)
    position = pd.Series(np.arange(n) / (n - 1) if n > 1 else np.zeros(n), index=ordered.index)
    band = pd.Series(pd.NA, index=ordered.index, dtype="string")
    for b in bands.itertuples(index=False):
        inside = (position >= b.rang_min) & ((position < b.rang_max) | ((b.rang_max >= 1) & (position <= 1)))
        band[inside & band.isna()] = b.bande_id
    return pd.DataFrame({"departement": ordered["departement"], "bande": band})


def peer_group(departement: str, totals: pd.DataFrame, *, pairs: list[str] | None = None,
               bands: pd.DataFrame | None = None) -> tuple[list[str], str]:
    """The territory's peers (itself included) and how they were chosen (French, for the reader)."""
    known = set(totals["departement"].astype(str))
    if pairs:
        chosen = sorted({str(p).strip().upper() for p in pairs} | {departement})
        unknown = [p for p in chosen if p not in known]
        if unknown:
            raise ValueError(f"territoire.yaml : pairs : département(s) absent(s) du fichier national : {', '.join(unknown)}")
        return chosen, f"liste « pairs » de territoire.yaml ({len(chosen)} départements)"
    return band_peer_groups([departement], totals, bands)[departement]


def band_peer_groups(departements: list[str], totals: pd.DataFrame,
                     bands: pd.DataFrame | None = None) -> dict[str, tuple[list[str], str]]:
    """:func:`peer_group` by size band for several departments, the bands computed once."""
    bands = load_referentiel("bandes_pairs") if bands is None else bands
    banded = size_bands(totals, bands)
    band_of = dict(zip(banded["departement"].astype(str), banded["bande"]))
    members = {band: sorted(group["departement"]) for band, group in banded.dropna(subset=["bande"]).groupby("bande")}
    labels = bands.set_index("bande_id")["libelle"]
    out = {}
    for departement in departements:
        band = band_of.get(departement)
        if band is None or pd.isna(band):
            raise ValueError(f"département {departement} absent du fichier national")
        chosen = members[band]
        out[departement] = chosen, f"{labels.loc[band]} ({len(chosen)} départements, bandes_pairs.csv)"
    return out


_POSITION_COLUMNS = ["segment", "valeur", "nb_marches", "mediane_pairs", "q1_pairs", "q3_pairs", "nb_pairs", "rang",
                     "nb_departements", "rang_pairs", "nb_pairs_classes"]


def peer_positions(indicators: pd.DataFrame, groups: dict[str, list[str]], *,
                   value: str = DEFAULT_VALUE) -> pd.DataFrame:
    """:func:`peer_position` of several departments at once (``groups``: department → its peers), one block of
    rows per department with a ``departement`` column, in the order of ``groups``.

    The values are one matrix segment × department, so that every department of a national file is placed among
    its peers in one pass (the benchmark's « peers of all departments from the cache »).
    """
    ranked = indicators.loc[indicators["segment"] != UNKNOWN_SEGMENT]
    seg_codes, segments = pd.factorize(ranked["segment"].astype(str), sort=True)
    dep_codes, departments = pd.factorize(ranked["departement"].astype(str), sort=True)
    column = {d: i for i, d in enumerate(departments)}
    values = np.full((len(segments), len(departments)), np.nan)
    values[seg_codes, dep_codes] = ranked[value].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    contracts = np.zeros((len(segments), len(departments)), dtype=np.int64)
    contracts[seg_codes, dep_codes] = ranked["nb_marches"].to_numpy(dtype=np.int64)
    ranked_count = (~np.isnan(values)).sum(axis=1)  # departments with a value, per segment
    blocks = []
    for departement, peers in groups.items():
        at = column.get(departement)
        mine = values[:, at] if at is not None else np.full(len(segments), np.nan)
        peer_columns = sorted({column[p] for p in peers if p in column})
        peer_values = values[:, peer_columns]
        nb_peers = (~np.isnan(peer_values)).sum(axis=1)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a segment without any peer value: NaN
            median, q1, q3 = (np.nanquantile(peer_values, q, axis=1) if peer_columns else np.full(len(segments), np.nan)
                              for q in (0.5, 0.25, 0.75))
        has_mine = ~np.isnan(mine)
        # rank: 1 + the number of values strictly higher (ties share the best rank), among the known values
        rank = np.where(has_mine, (values > mine[:, None]).sum(axis=1) + 1, -1)
        in_peers = at is not None and at in peer_columns
        rank_peers = np.where(has_mine & in_peers, (peer_values > mine[:, None]).sum(axis=1) + 1, -1)
        block = pd.DataFrame({
            "segment": pd.array(segments, dtype=object), "valeur": mine,
            "nb_marches": contracts[:, at] if at is not None else np.zeros(len(segments), dtype=np.int64),
            "mediane_pairs": median, "q1_pairs": q1, "q3_pairs": q3, "nb_pairs": nb_peers,
            "rang": rank, "nb_departements": ranked_count, "rang_pairs": rank_peers, "nb_pairs_classes": nb_peers,
        }, columns=_POSITION_COLUMNS)
        block.insert(0, "departement", departement)
        blocks.append(block)
    out = (pd.concat(blocks, ignore_index=True) if blocks
           else pd.DataFrame(columns=["departement", *_POSITION_COLUMNS]))
    for name in ("valeur", "mediane_pairs", "q1_pairs", "q3_pairs"):
        out[name] = pd.array(out[name].to_numpy(dtype=float), dtype="Float64")  # NaN → <NA>
    for name in ("rang", "rang_pairs"):
        out[name] = out[name].astype("Int64").mask(out[name] < 0)
    for name in ("nb_marches", "nb_pairs", "nb_departements", "nb_pairs_classes"):
        out[name] = out[name].astype("int64")
    return out


def peer_position(indicators: pd.DataFrame, departement: str, peers: list[str], *,
                  value: str = DEFAULT_VALUE) -> pd.DataFrame:
    """Per segment (indeterminate one left out): the territory's value, the peers' median and quartiles, its rank
    among all departments and among the peers. Rank and value are ``<NA>`` where the territory has no value."""
    return peer_positions(indicators, {departement: peers}, value=value).drop(columns="departement")


LEADING_COLUMNS = ["segment", "departement", "valeur", "nb_marches", "acheteur_exemple",
                   "marches_avec_consideration_acheteur"]


def leading_peers_by_segment(indicators: pd.DataFrame, buyers: pd.DataFrame, departement: str, peers: list[str], *,
                             top: int = 3, value: str = DEFAULT_VALUE) -> pd.DataFrame:
    """Per segment, the ``top`` peers (territory excluded) with the highest value (above 0; ties: more contracts, then
    the lower code), each with its buyer that has the most contracts with a social consideration in that segment
    (then the first name in alphabetical order; buyers above the threshold only). Segments in alphabetical order."""
    seg = indicators.loc[indicators["departement"].isin(peers) & (indicators["departement"] != departement)]
    seg = seg.dropna(subset=[value])
    seg = seg.loc[seg[value].astype(float) > 0]  # a peer without any social consideration there is no example
    seg = seg.sort_values(["segment", value, "nb_marches", "departement"], ascending=[True, False, False, True],
                          kind="stable").groupby("segment", sort=False).head(top)
    users = buyers.loc[buyers["nb_avec_consideration"] > 0]
    users = users.sort_values(["nb_avec_consideration", "acheteur_nom"], ascending=[False, True], kind="stable")
    best = users.drop_duplicates(["segment", "departement"])[["segment", "departement", "acheteur_nom",
                                                               "nb_avec_consideration"]]
    out = seg[["segment", "departement", value, "nb_marches"]].rename(columns={value: "valeur"})
    out = out.merge(best, on=["segment", "departement"], how="left").rename(
        columns={"acheteur_nom": "acheteur_exemple", "nb_avec_consideration": "marches_avec_consideration_acheteur"})
    out["acheteur_exemple"] = out["acheteur_exemple"].astype("string")
    out["marches_avec_consideration_acheteur"] = out["marches_avec_consideration_acheteur"].astype("Int64")
    return out[LEADING_COLUMNS].reset_index(drop=True)


def leading_peers(indicators: pd.DataFrame, buyers: pd.DataFrame, departement: str, peers: list[str], segment: str,
                  *, top: int = 3, value: str = DEFAULT_VALUE) -> pd.DataFrame:
    """The rows of ``segment`` in :func:`leading_peers_by_segment`."""
    return leading_peers_by_segment(indicators.loc[indicators["segment"] == segment],
                                    buyers.loc[buyers["segment"] == segment], departement, peers, top=top, value=value)


# --- the section « Le territoire parmi ses pairs » (phase 03 and the report) -------------------------------------

SECTION_TITLE = "Le territoire parmi ses pairs"
#: Published tables of the section (tables_publiees.csv).
TABLE_NAME, DISTRIBUTION_NAME, NOTE_NAME = "pairs_segments", "pairs_distribution", "pairs_note"
NO_FILE_NOTE = (
    "Aucun fichier DECP national n'est configuré : la comparaison du territoire avec les départements comparables "
    "n'est pas faite (le reste de l'étude n'en dépend pas). Pour l'ajouter, téléchargez l'export tabulaire consolidé "
    "des données essentielles de la commande publique (decp-processing, fichier CSV « decp ») et indiquez son chemin "
    "dans territoire.yaml : « decp_nationale: chemin/vers/decp.csv » (relatif au dossier du territoire) ; facultatif : "
    "« pairs: [\"35\", \"44\"] » pour choisir vous-même les départements comparables.")


def section_tables(indicators: pd.DataFrame, buyers: pd.DataFrame, departement: str, peers: list[str], how: str,
                   labels: dict[str, str], *, source: str = "") -> dict[str, pd.DataFrame]:
    """The three published tables of the section: per segment (value, peers' median and quartiles, ranks, one peer
    example with a buyer), the peers' values per segment (the chart) and the note that says how peers were chosen."""
    position = peer_position(indicators, departement, peers)
    # Only the peers' rows can be examples: the segment loop scans them, not the whole national file's.
    peer_rows = indicators.loc[indicators["departement"].isin(peers) & (indicators["departement"] != departement)]
    peer_buyers = buyers.loc[buyers["departement"].isin(peers) & (buyers["nb_avec_consideration"] > 0)]
    leads = dict(iter(leading_peers_by_segment(peer_rows, peer_buyers, departement, peers, top=3).groupby(
        "segment", sort=False)))
    none = pd.DataFrame(columns=LEADING_COLUMNS)
    rows = []
    for segment in position["segment"]:
        lead = leads.get(segment, none)
        named = lead.dropna(subset=["acheteur_exemple"])
        best = named.iloc[0] if len(named) else (lead.iloc[0] if len(lead) else None)
        rows.append({"segment": segment,
                     "pair_exemple": pd.NA if best is None else best["departement"],
                     "part_pair_exemple": pd.NA if best is None else best["valeur"],
                     "acheteur_exemple": pd.NA if best is None else best["acheteur_exemple"],
                     "marches_acheteur_exemple": pd.NA if best is None else best["marches_avec_consideration_acheteur"]})
    examples = pd.DataFrame(rows, columns=["segment", "pair_exemple", "part_pair_exemple", "acheteur_exemple",
                                           "marches_acheteur_exemple"])
    table = position.merge(examples, on="segment", how="left")
    table.insert(1, "libelle", table["segment"].map(labels).fillna(table["segment"]).astype("string"))
    table["ecart_mediane_points"] = ((table["valeur"] - table["mediane_pairs"]) * 100).astype("Float64")
    table["part_pair_exemple"] = table["part_pair_exemple"].astype("Float64")
    table["marches_acheteur_exemple"] = table["marches_acheteur_exemple"].astype("Int64")
    order = {s: i for i, s in enumerate(labels)}
    table = table.sort_values("segment", key=lambda s: s.map(order).fillna(len(order))).reset_index(drop=True)
    ranked = indicators.loc[indicators["departement"].isin(peers) & (indicators["segment"] != UNKNOWN_SEGMENT)]
    distribution = ranked[["segment", "departement", DEFAULT_VALUE]].dropna().rename(columns={DEFAULT_VALUE: "valeur"})
    distribution = distribution.assign(territoire=distribution["departement"] == departement).reset_index(drop=True)
    note = (f"Département {departement} comparé à ses pairs : {how}. Part des marchés avec une considération sociale "
            f"(clause, critère ou marché réservé), en nombre, par segment ; rang national parmi les départements qui "
            f"ont au moins un marché de statut connu dans le segment (1er = la part la plus élevée)."
            + (f" Source : {source}." if source else ""))
    return {TABLE_NAME: table, DISTRIBUTION_NAME: distribution, NOTE_NAME: pd.DataFrame({"remarque": [note]})}


def no_file_tables() -> dict[str, pd.DataFrame]:
    """The section's note without a national file (the study runs as without the section)."""
    return {NOTE_NAME: pd.DataFrame({"remarque": [NO_FILE_NOTE]})}


def table_for_display(table: pd.DataFrame) -> pd.DataFrame:
    """The section's table in French (percents, points, « 12ᵉ sur 101 », « — » where there is no data)."""
    return pd.DataFrame({
        "Segment": table["libelle"],
        "Marchés du territoire": table["nb_marches"].map(formatting.integer),
        "Part du territoire": table["valeur"].map(formatting.percent),
        "Médiane des pairs": table["mediane_pairs"].map(formatting.percent),
        "Quartiles des pairs": [f"{formatting.percent(a)} – {formatting.percent(b)}" if not formatting.is_missing(a)
                                else formatting.MISSING for a, b in zip(table["q1_pairs"], table["q3_pairs"])],
        "Écart à la médiane": table["ecart_mediane_points"].map(formatting.points),
        **text_columns(table),
    })


def text_columns(table: pd.DataFrame) -> dict[str, list[str]]:
    """The columns of the section written as text wherever it is shown (notebook, report, workbook): the ranks
    (« 12ᵉ sur 101 ») and the leading peer with its buyer."""
    return {
        "Rang national": [formatting.rank(r, n) for r, n in zip(table["rang"], table["nb_departements"])],
        "Rang parmi les pairs": [formatting.rank(r, n) for r, n in zip(table["rang_pairs"], table["nb_pairs_classes"])],
        "Exemple parmi les pairs": [example_text(row) for row in table.itertuples(index=False)],
    }


def example_text(row) -> str:
    """« Département 35 (42,0 %) : Conseil départemental fictif n° 35, 3 marchés avec considération sociale »."""
    if formatting.is_missing(row.pair_exemple):
        return formatting.MISSING
    text = f"Département {row.pair_exemple} ({formatting.percent(row.part_pair_exemple)})"
    if not formatting.is_missing(row.acheteur_exemple):
        count = int(row.marches_acheteur_exemple)
        text += (f" : {row.acheteur_exemple}, {formatting.integer(count)} marché{'s' if count > 1 else ''} "
                 f"avec considération sociale")
    return text


@remembered
def chart_peers(distribution: pd.DataFrame, labels: dict[str, str]):
    """Per segment, the peers' shares (grey dots) and the territory's (red diamond)."""
    segments = [s for s in labels if s in set(distribution["segment"])]
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(segments), 3) + 1))
    # one set of points for the peers and one for the territory, segment after segment (as many drawings of
    # one point set each would draw the same picture, ten times slower)
    position = {segment: i for i, segment in enumerate(segments)}
    rows = distribution.loc[distribution["segment"].isin(position)]
    rows = rows.assign(y=rows["segment"].map(position)).sort_values("y", kind="stable")
    for is_territory, style in ((False, {"color": "#9e9e9e", "s": 14, "alpha": 0.7, "label": "Départements pairs"}),
                                (True, {"color": "#c62828", "marker": "D", "s": 40, "zorder": 3,
                                        "label": "Le territoire"})):
        points = rows.loc[rows["territoire"] == is_territory]
        ax.scatter(points["valeur"].astype(float) * 100, points["y"].to_numpy(dtype=float), **style)
    ax.set_yticks(range(len(segments)), [labels[s] for s in segments], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Part des marchés avec une considération sociale (%)")
    ax.set_title(SECTION_TITLE)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
