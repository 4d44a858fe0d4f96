"""Economic needs (Fiche C1 II.a, « recensement des besoins économiques »).

* Past purchases (DECP) by buyer, segment, nature and year: number of contracts,
  amount (only amounts flagged ``montant_valide``, after modifications:
  ``montant_final``) and the share carrying a social consideration.
* Planned purchases (``achats_prevus``) by segment and buyer.
* Trades in tension (BMO) and green-transition trades mapped to segments.

Share of social consideration: a contract counts when ``consideration_sociale``
is « oui » (clause sociale, critère social or marché réservé). Contracts whose
status is « inconnue » (2019 format, no field) are left out of the denominator
and counted apart (``nb_inconnue``): they are neither « with » nor « without ».
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from diversification.indicators.figure_memo import remembered
from diversification.inputs import formatting
from diversification.inputs.referentiels import FAP_NOMENCLATURES, column_labels, load_referentiel
from diversification.inputs.segments import INDETERMINATE_SEGMENT, map_cpv_series, segment_labels
from diversification.inputs.siret import normalize_siret

OTHER_BUYERS = "Autres acheteurs"
UNKNOWN_SEGMENT = INDETERMINATE_SEGMENT  # code CPV absent or unusable: kept, never ranked
SOCIAL_YES, SOCIAL_NO, SOCIAL_UNKNOWN = "oui", "non", "inconnue"


# --- reference values -------------------------------------------------------------------

def national_references() -> pd.DataFrame:
    """The national reference values (``references_nationales.csv``), ``valeur`` as float."""
    table = load_referentiel("references_nationales")
    table["valeur"] = table["valeur"].astype(float)
    table["annee"] = table["annee"].astype(int)
    return table


def latest_oecp_share(table: pd.DataFrame | None = None) -> pd.Series:
    """The most recent OECP share of contracts with a social clause, in number (row of ``references_nationales``)."""
    table = national_references() if table is None else table
    rows = table[table["ref_id"].str.fullmatch(r"oecp_\d{4}_clause_nombre")]
    return rows.sort_values("annee").iloc[-1]


# --- past purchases ---------------------------------------------------------------------

def _partner_names(acheteurs: list[dict]) -> dict[str, str]:
    return {normalize_siret(str(b["siret"])): str(b["nom"]) for b in acheteurs}


def prepare_decp(decp: pd.DataFrame, acheteurs: list[dict]) -> pd.DataFrame:
    """The DECP table with ``segment``, ``partenaire`` and ``acheteur`` (partner name or « Autres acheteurs »).

    A contract whose CPV code is absent or maps to no segment gets the indeterminate segment (counted, not ranked).
    """
    out = decp.copy()
    names = _partner_names(acheteurs)
    ids = out["acheteur_id"].astype("string")
    out["partenaire"] = ids.isin(list(names)).fillna(False).astype(bool)
    out["acheteur"] = ids.map(names).astype("string").fillna(OTHER_BUYERS)  # no partner: a map of NAs, not text
    out["segment"] = map_cpv_series(out["codeCPV"]).fillna(UNKNOWN_SEGMENT).astype("string")
    return out


#: The additive columns of a group of contracts (:func:`social_sums`). A table holding all of them is a table of
#: partial sums (one row for several contracts): it is regrouped by adding them, and gives the same shares as its
#: contracts (the shares are computed from the sums, never added).
SUM_COLUMNS = ["nb_marches", "montant", "nb_montant_non_valide", "nb_consideration_connue", "nb_avec_consideration",
               "nb_inconnue", "nb_clause_sociale", "nb_critere_social", "nb_marche_reserve", "montant_connu",
               "montant_avec_consideration"]


def is_summed(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a table of partial sums (:data:`SUM_COLUMNS`) rather than one row per contract."""
    return set(SUM_COLUMNS) <= set(frame.columns)


def contract_counts(frame: pd.DataFrame) -> np.ndarray:
    """The number of contracts of each row: 1 for a contract, ``nb_marches`` for a row of partial sums."""
    return frame["nb_marches"].to_numpy(dtype=np.int64) if is_summed(frame) else np.ones(len(frame), dtype=np.int64)


def _flag(values: pd.Series) -> np.ndarray:
    """A yes/no column as booleans, a missing value as no."""
    return values.fillna(False).to_numpy(dtype=bool)


def _social_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The additive values of each contract (numpy over the rows; the status compared once per distinct value).

    The counts are booleans (a group's sum of booleans is its count, as an integer): a million contracts take
    a few megabytes, not eight bytes a count.
    """
    if is_summed(frame):
        return frame[SUM_COLUMNS]
    codes, labels = pd.factorize(frame["consideration_sociale"])  # a missing status: code -1, the last (False) below

    def status_in(*values: str) -> np.ndarray:
        return np.append(pd.Index(labels).astype("string").isin(values), False)[codes]

    valid = _flag(frame["montant_valide"])
    amount = np.where(valid, frame["montant_final"].astype("Float64").fillna(0.0).to_numpy(dtype=float), 0.0)
    yes, known = status_in(SOCIAL_YES), status_in(SOCIAL_YES, SOCIAL_NO)
    return pd.DataFrame(
        {
            "nb_marches": np.ones(len(frame), dtype=bool),
            "montant": amount,
            "nb_montant_non_valide": ~valid,
            "nb_consideration_connue": known,
            "nb_avec_consideration": yes,
            "nb_inconnue": status_in(SOCIAL_UNKNOWN),
            "nb_clause_sociale": _flag(frame["clause_sociale"]),
            "nb_critere_social": _flag(frame["critere_social"]),
            "nb_marche_reserve": _flag(frame["marche_reserve"]),
            "montant_connu": np.where(known, amount, 0.0),
            "montant_avec_consideration": np.where(yes, amount, 0.0),
        },
        index=frame.index,
    )


def social_sums(prepared: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The additive columns (:data:`SUM_COLUMNS`) of the contracts, or of the partial sums, grouped ``by``.

    Groups sorted by their keys (missing keys last); a categorical key (a column read as a dictionary) is grouped by
    its codes and given back as its values.
    """
    values = _social_columns(prepared)
    if not by:
        return values.sum().to_frame().T
    keys = [prepared[c].astype("string") if prepared[c].dtype == object else prepared[c] for c in by]
    categorical = [isinstance(k.dtype, pd.CategoricalDtype) for k in keys]
    # category order is not the values' order: grouped unsorted by the codes, then sorted by the values
    grouped = values.groupby(keys, sort=not any(categorical), observed=True, dropna=False).sum().reset_index()
    grouped.columns = [*by, *values.columns]
    if any(categorical):
        for column, key, is_cat in zip(by, keys, categorical):
            if is_cat:
                grouped[column] = grouped[column].astype(key.cat.categories.dtype)
        grouped = grouped.sort_values(by, na_position="last", kind="stable")
    return grouped.reset_index(drop=True)


def social_shares(prepared: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Counts, amounts and shares of social consideration of the DECP contracts grouped ``by``.

    ``part_nb`` = contracts « oui » / contracts « oui » or « non »;
    ``part_montant`` = valid amount of « oui » / valid amount of « oui » or « non ».
    Both are ``<NA>`` when no contract of the group has a known status. ``prepared`` may be a table of partial
    sums (:func:`is_summed`): the same shares as from its contracts.
    """
    grouped = social_sums(prepared, by)
    grouped["part_nb"] = (grouped["nb_avec_consideration"] / grouped["nb_consideration_connue"].where(
        grouped["nb_consideration_connue"] > 0)).astype("Float64")
    grouped["part_montant"] = (grouped["montant_avec_consideration"] / grouped["montant_connu"].where(
        grouped["montant_connu"] > 0)).astype("Float64")
    for col in [c for c in grouped.columns if c.startswith("nb_")]:
        grouped[col] = grouped[col].astype(int)
    return grouped.reset_index(drop=True)


def _buyer_order(table: pd.DataFrame, acheteurs: list[dict]) -> pd.DataFrame:
    order = [str(b["nom"]) for b in acheteurs] + [OTHER_BUYERS]
    rank = {name: i for i, name in enumerate(order)}
    return (table.assign(_o=table["acheteur"].map(rank))
            .sort_values(["_o", *[c for c in table.columns if c in ("segment", "nature_achat", "annee")]])
            .drop(columns="_o").reset_index(drop=True))


def past_purchases(decp: pd.DataFrame, acheteurs: list[dict],
                   by: tuple[str, ...] = ("acheteur", "segment", "nature_achat", "annee")) -> pd.DataFrame:
    """Past purchases grouped by buyer (partners first, others grouped), segment, nature and year."""
    table = social_shares(prepare_decp(decp, acheteurs), list(by))
    return _buyer_order(table, acheteurs) if "acheteur" in by else table


def purchases_by_buyer(decp: pd.DataFrame, acheteurs: list[dict]) -> pd.DataFrame:
    """One row per partner buyer (configuration order) then « Autres acheteurs »."""
    return past_purchases(decp, acheteurs, by=("acheteur",))


def purchases_by_segment(decp: pd.DataFrame, acheteurs: list[dict], *, partners_only: bool = False) -> pd.DataFrame:
    """One row per segment, with its French label, sorted by decreasing amount."""
    prepared = prepare_decp(decp, acheteurs)
    if partners_only:
        prepared = prepared[prepared["partenaire"]]
    table = social_shares(prepared, ["segment"])
    labels = segment_labels(indeterminate=True)
    table.insert(1, "libelle", table["segment"].map(labels).fillna(table["segment"]))
    return table.sort_values(["montant", "segment"], ascending=[False, True]).reset_index(drop=True)


def compare_with_references(decp: pd.DataFrame, acheteurs: list[dict]) -> pd.DataFrame:
    """Territory shares beside the national references (one row per reference)."""
    prepared = prepare_decp(decp, acheteurs)
    total = social_shares(prepared, []).iloc[0]
    partners = social_shares(prepared[prepared["partenaire"]], []).iloc[0]
    refs = national_references()
    rows = []
    for ref in refs.itertuples(index=False):
        column = "part_montant" if "montant" in ref.ref_id else "part_nb"
        measure = "considération sociale (clause, critère ou marché réservé)"
        rows.append({
            "indicateur national": ref.indicateur,
            "année": ref.annee,
            "référence nationale": ref.valeur,
            "source": ref.source,
            "territoire, tous acheteurs": total[column],
            "territoire, acheteurs partenaires": partners[column],
            "mesure du territoire": f"part {'en montant' if column == 'part_montant' else 'en nombre'} des marchés avec {measure}",
        })
    return pd.DataFrame(rows)


def unknown_status_note(decp: pd.DataFrame) -> str:
    """French sentence about the contracts whose social consideration is unknown."""
    n_unknown = int((decp["consideration_sociale"].astype("string") == SOCIAL_UNKNOWN).fillna(False).sum())
    n = len(decp)
    if n_unknown == 0:
        return f"Les {n} marchés indiquent tous s'ils portent ou non une considération sociale."
    return (
        f"{n_unknown} marché(s) sur {n} (format DECP 2019, sans champ « considérations sociales ») ont une "
        "considération sociale **inconnue** : ils sont exclus du dénominateur des parts et comptés à part "
        f"(colonne « {column_labels()['nb_inconnue']} »)."
    )


@remembered
def chart_social_share(by_segment: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Bar chart of the share of contracts with a social consideration by segment, national references as lines."""
    data = by_segment[by_segment["part_nb"].notna()][["libelle", "part_nb", "nb_consideration_connue"]]
    data = data.sort_values(["part_nb", "libelle"], ascending=[True, True]).reset_index(drop=True)
    table = national_references()
    refs = table.set_index("ref_id")["valeur"]
    oecp = latest_oecp_share(table)
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.35 * len(data) + 1)))
    ax.barh(data["libelle"], data["part_nb"].astype(float) * 100, color="#4a7ab5")
    ax.axvline(oecp["valeur"] * 100, color="#c0504d", linestyle="--",
               label=f"Référence nationale OECP {oecp['annee']} (clause sociale, en nombre)")
    ax.axvline(refs["pnad_2025_objectif"] * 100, color="#2e7d32", linestyle=":",
               label="Objectif PNAD 2025 (considération sociale)")
    ax.set_xlabel("Part des marchés avec une considération sociale (%)")
    ax.set_ylabel("Segment d'achat")
    ax.set_title("Marchés passés portant une considération sociale, par segment")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig, data


# --- planned purchases ------------------------------------------------------------------

def planned_purchases(achats_prevus: pd.DataFrame, acheteurs: list[dict]) -> pd.DataFrame:
    """Planned purchases by segment and buyer: number and estimated amount (€ HT)."""
    table = achats_prevus.copy()
    names = _partner_names(acheteurs)
    table["segment"] = map_cpv_series(table["code_cpv"]).fillna(UNKNOWN_SEGMENT).astype("string")
    table["acheteur"] = table["acheteur_siret"].astype("string").map(names).fillna(OTHER_BUYERS)
    grouped = (table.groupby(["segment", "acheteur"], sort=True)
               .agg(nb_achats=("id_achat", "size"), montant_estime_ht=("montant_estime_ht", "sum"))
               .reset_index())
    grouped["montant_estime_ht"] = grouped["montant_estime_ht"].astype(float)
    grouped.insert(1, "libelle", grouped["segment"].map(segment_labels(indeterminate=True)).fillna(grouped["segment"]))
    return grouped.sort_values(["segment", "acheteur"]).reset_index(drop=True)


def planned_by_segment(planned: pd.DataFrame) -> pd.DataFrame:
    """Totals by segment of :func:`planned_purchases`, by decreasing amount."""
    if planned.empty:
        return pd.DataFrame(columns=["segment", "libelle", "nb_achats", "montant_estime_ht"])
    out = planned.groupby(["segment", "libelle"], sort=True)[["nb_achats", "montant_estime_ht"]].sum().reset_index()
    return out.sort_values(["montant_estime_ht", "segment"], ascending=[False, True]).reset_index(drop=True)


def planned_unavailable_note(reason: str) -> str:
    """French sentence shown instead of the planned-purchase tables."""
    return (
        f"**Achats prévus non disponibles** : {reason}. Les volumes d'achats des segments reposent donc "
        "sur les seuls marchés passés (DECP) ; demandez aux acheteurs partenaires leur programmation "
        "pour compléter l'étude."
    )


# --- trades in tension and green trades -------------------------------------------------

def trades_in_tension(metiers_tension: pd.DataFrame, annee: int | None = None) -> pd.DataFrame:
    """BMO trades of the most recent survey year (≤ ``annee``): projects, difficult projects, share difficult.

    Secret values (« * » in the BMO file) are missing, never 0: sums use the
    known values and ``nb_valeurs_secretes`` counts the missing ones; the share
    difficult uses the rows where both counts are known. ``nomenclature``: the
    survey's FAP nomenclature (:func:`fap_nomenclature`).
    """
    table = metiers_tension.copy()
    years = table["annee"].dropna().astype(int)
    if annee is not None and (years <= annee).any():
        years = years[years <= annee]
    year = int(years.max())
    table = table[table["annee"] == year]
    rec = table["projets_recrutement"].astype("Float64")
    dif = table["projets_difficiles"].astype("Float64")
    both = rec.notna() & dif.notna()
    work = pd.DataFrame({
        "code_fap": table["code_metier_bmo"].astype("string").str.upper(),
        "projets_recrutement": rec.fillna(0).astype(float),
        "projets_difficiles": dif.fillna(0).astype(float),
        "rec_connus": rec.where(both, 0).fillna(0).astype(float),
        "dif_connus": dif.where(both, 0).fillna(0).astype(float),
        "nb_valeurs_secretes": (rec.isna().astype(int) + dif.isna().astype(int)),
    })
    out = work.groupby("code_fap", sort=True).sum().reset_index()
    out["part_difficiles"] = (out["dif_connus"] / out["rec_connus"].where(out["rec_connus"] > 0)).astype("Float64")
    out["annee"] = year
    out["nomenclature"] = fap_nomenclature(out["code_fap"], year)
    return out


def segment_opportunities(trades: pd.DataFrame | None, fap_rome: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per segment: BMO recruitment projects, share difficult, green trades.

    A BMO trade (FAP) is attached to every segment of its ROME codes in the rows of
    ``fap_rome.csv`` of the survey's nomenclature (FAP 2009 or FAP 2021; a trade shared
    by two segments counts in both; the trades attached to none: :func:`unmatched_trades`). Green
    trades: distinct ROME codes of the segment flagged ``transition_ecologique``.
    ``trades`` may be None (no BMO input): the BMO columns are then missing.
    """
    fap = load_referentiel("fap_rome") if fap_rome is None else fap_rome
    segments = load_referentiel("segments")[["segment_id", "libelle"]]
    green = (fap[fap["transition_ecologique"].astype(bool)].groupby("segment_id")["code_rome"].nunique()
             .rename("nb_metiers_verts"))
    out = segments.set_index("segment_id")
    out["nb_metiers_verts"] = green.reindex(out.index).fillna(0).astype(int)
    if trades is not None and not trades.empty:
        survey = _links(fap, trades)  # the rows of the survey's nomenclature (FAP 2009 or FAP 2021)
        links = survey[["code_fap", "segment_id"]].drop_duplicates()
        merged = trades.merge(links, on="code_fap", how="inner")
        green_fap = set(survey.loc[survey["transition_ecologique"].astype(bool), "code_fap"])
        merged["verts"] = merged["code_fap"].isin(green_fap)
        agg = merged.groupby("segment_id").agg(
            nb_metiers_bmo=("code_fap", "nunique"),
            projets_recrutement=("projets_recrutement", "sum"),
            projets_difficiles=("projets_difficiles", "sum"),
            rec_connus=("rec_connus", "sum"),
            dif_connus=("dif_connus", "sum"),
            nb_valeurs_secretes=("nb_valeurs_secretes", "sum"),
        )
        agg["projets_metiers_verts"] = merged[merged["verts"]].groupby("segment_id")["projets_recrutement"].sum()
        out = out.join(agg)
        out["nb_metiers_bmo"] = out["nb_metiers_bmo"].fillna(0).astype(int)
        out["nb_valeurs_secretes"] = out["nb_valeurs_secretes"].fillna(0).astype(int)
        out["part_difficiles"] = (out["dif_connus"] / out["rec_connus"].where(out["rec_connus"] > 0)).astype("Float64")
        verts = out["projets_metiers_verts"].astype("Float64").fillna(0.0)
        out["projets_metiers_verts"] = verts.where(out["nb_metiers_bmo"] > 0)
        for col in ("projets_recrutement", "projets_difficiles"):
            out[col] = out[col].astype("Float64")
        out = out.drop(columns=["rec_connus", "dif_connus"])
        ordered = ["libelle", "nb_metiers_bmo", "projets_recrutement", "projets_difficiles", "part_difficiles",
                   "nb_valeurs_secretes", "nb_metiers_verts", "projets_metiers_verts"]
    else:
        for col in ("projets_recrutement", "projets_difficiles", "part_difficiles", "projets_metiers_verts"):
            out[col] = pd.Series(pd.NA, index=out.index, dtype="Float64")
        out["nb_metiers_bmo"] = 0
        out["nb_valeurs_secretes"] = 0
        ordered = ["libelle", "nb_metiers_bmo", "projets_recrutement", "projets_difficiles", "part_difficiles",
                   "nb_valeurs_secretes", "nb_metiers_verts", "projets_metiers_verts"]
    out = out[ordered].reset_index().rename(columns={"index": "segment_id"})
    return out.sort_values(["projets_recrutement", "segment_id"], ascending=[False, True],
                           na_position="last").reset_index(drop=True)


#: First BMO survey coded in FAP 2021 (FAP 2009 before): decides only for a survey whose codes exist in both.
FIRST_FAP2021_SURVEY = 2024


def fap_nomenclature(codes: pd.Series, year: int | None = None) -> str:
    """FAP nomenclature of a BMO survey from its trade codes: « FAP 2021 » when a code has an X in third
    position (« T4X60 »), « FAP 2009 » when one has a Z (« T4Z60 »); codes with another letter (« G0A40 »,
    « T2B60 ») exist in both nomenclatures, with different meanings: then the survey year decides."""
    third = codes.astype(str).str[2:3]
    if (third == "X").any():
        return FAP_NOMENCLATURES[1]
    if (third == "Z").any() or year is None or year < FIRST_FAP2021_SURVEY:
        return FAP_NOMENCLATURES[0]
    return FAP_NOMENCLATURES[1]


def _links(fap: pd.DataFrame, trades: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``fap_rome.csv`` in the nomenclature of the BMO survey ``trades``."""
    if "nomenclature" not in fap.columns or "nomenclature" not in trades.columns or trades.empty:
        return fap
    return fap[fap["nomenclature"] == trades["nomenclature"].iloc[0]]


def unmatched_trades(trades: pd.DataFrame | None, fap_rome: pd.DataFrame | None = None) -> pd.DataFrame:
    """The BMO trades that ``fap_rome.csv`` attaches to no segment (left out of :func:`segment_opportunities`).

    Columns: ``code_fap``, ``nomenclature`` (of the survey), ``projets_recrutement`` (known values), sorted by
    projects (descending) then code.
    """
    columns = ["code_fap", "nomenclature", "projets_recrutement"]
    if trades is None or trades.empty:
        return pd.DataFrame(columns=columns)
    fap = load_referentiel("fap_rome") if fap_rome is None else fap_rome
    out = trades.loc[~trades["code_fap"].isin(set(_links(fap, trades)["code_fap"]))].copy()
    if "nomenclature" not in out.columns:
        out["nomenclature"] = fap_nomenclature(trades["code_fap"])
    out = out.sort_values(["projets_recrutement", "code_fap"], ascending=[False, True], kind="stable")
    return out[columns].reset_index(drop=True)


def tension_note(trades: pd.DataFrame | None, reason: str = "", fap_rome: pd.DataFrame | None = None) -> str:
    """French sentence on the BMO survey used (year, secret values, trades attached to no segment) or why it
    is missing."""
    if trades is None or trades.empty:
        return (f"**Métiers en tension non disponibles** : {reason}. Le critère « tension de recrutement » "
                "ne pourra pas être mesuré.")
    secret = int(trades["nb_valeurs_secretes"].sum())
    text = f"Enquête BMO {int(trades['annee'].iloc[0])} : {len(trades)} métier(s) du territoire"
    text += f" (codes de la nomenclature {trades['nomenclature'].iloc[0]})." if "nomenclature" in trades else "."
    if secret:
        text += (f" {secret} valeur(s) sous secret statistique (« * ») sont traitées comme manquantes "
                 "(ni 0 ni 1) : les sommes portent sur les valeurs connues.")
    unmatched = unmatched_trades(trades, fap_rome)
    if len(unmatched):
        projects = int(unmatched["projets_recrutement"].sum())
        share = projects / max(float(trades["projets_recrutement"].sum()), 1.0)
        codes = ", ".join(unmatched["code_fap"].head(10)) + (" …" if len(unmatched) > 10 else "")
        text += (f"\n\n**{len(unmatched)} métier(s) BMO ne sont rattachés à aucun segment** par la table "
                 f"FAP → ROME → segment (`fap_rome.csv`) : {formatting.integer(projects)} projets de recrutement "
                 f"({formatting.percent(share, 0)} du total), absents des besoins par segment ci-dessous ({codes}).")
    return text


@remembered
def chart_opportunities(opportunities: pd.DataFrame, top: int = 12) -> tuple[plt.Figure, pd.DataFrame]:
    """Horizontal bars: BMO recruitment projects per segment (known values), the difficult part darker."""
    data = opportunities[opportunities["projets_recrutement"].fillna(0) > 0]
    data = data.head(top)[["libelle", "projets_recrutement", "projets_difficiles", "part_difficiles"]]
    data = data.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.4 * len(data) + 1)))
    ax.barh(data["libelle"], data["projets_recrutement"].astype(float), color="#9db7d9", label="Projets de recrutement")
    ax.barh(data["libelle"], data["projets_difficiles"].astype(float), color="#2f5f98", label="dont difficiles")
    ax.set_xlabel("Projets de recrutement (enquête BMO, valeurs connues)")
    ax.set_ylabel("Segment d'achat")
    ax.set_title("Besoins de recrutement des métiers de chaque segment")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    plt.close(fig)
    return fig, data


def key_figures(decp: pd.DataFrame, acheteurs: list[dict], planned: pd.DataFrame | None,
                trades: pd.DataFrame | None) -> str:
    """Stable French lines of key figures (for the pinned nbval cell)."""
    prepared = prepare_decp(decp, acheteurs)
    total = social_shares(prepared, []).iloc[0]
    partners = social_shares(prepared[prepared["partenaire"]], []).iloc[0]

    def pct(value) -> str:
        return "n.d." if pd.isna(value) else formatting.percent(value)

    lines = [
        f"Marchés DECP : {int(total['nb_marches'])} (acheteurs partenaires : {int(partners['nb_marches'])})",
        f"Montant valide : {formatting.millions_euros(total['montant'])} (partenaires : "
        f"{formatting.millions_euros(partners['montant'])})",
        f"Part avec considération sociale (nombre) : {pct(total['part_nb'])} ; inconnue : {int(total['nb_inconnue'])}",
        f"Part avec considération sociale (montant) : {pct(total['part_montant'])}",
    ]
    if planned is not None and not planned.empty:
        lines.append(f"Achats prévus : {int(planned['nb_achats'].sum())} pour "
                     f"{formatting.millions_euros(planned['montant_estime_ht'].sum())} HT")
    else:
        lines.append("Achats prévus : non disponibles")
    if trades is not None and not trades.empty:
        lines.append(f"Métiers BMO : {len(trades)} ; projets de recrutement (valeurs connues) : "
                     f"{formatting.integer(trades['projets_recrutement'].sum())} ; valeurs sous secret : {int(trades['nb_valeurs_secretes'].sum())}")
    else:
        lines.append("Métiers en tension (BMO) : non disponibles")
    return "\n".join(lines)


# --- study helpers (one call per notebook cell) -----------------------------------------

def study_planned(etude) -> pd.DataFrame | None:
    """Planned purchases of the study by segment and buyer, or None when the input is unavailable."""
    if not etude.available("achats_prevus"):
        return None
    return planned_purchases(etude.table("achats_prevus"), etude.config.acheteurs)


def planned_note(planned: pd.DataFrame | None, etude) -> str:
    """French sentence on the planned purchases: totals, or why they are missing."""
    if planned is None:
        return planned_unavailable_note(etude.unavailable_reason("achats_prevus"))
    n_unknown = int(planned.loc[planned["segment"] == UNKNOWN_SEGMENT, "nb_achats"].sum())
    text = (f"{int(planned['nb_achats'].sum())} achat(s) prévu(s) pour "
            f"{formatting.millions_euros(planned['montant_estime_ht'].sum())} HT estimés, sur "
            f"{planned.loc[planned['segment'] != UNKNOWN_SEGMENT, 'segment'].nunique()} segment(s).")
    if n_unknown:
        text += f" {n_unknown} achat(s) sans code CPV exploitable sont classés « segment indéterminé »."
    return text


def study_trades(etude) -> pd.DataFrame | None:
    """BMO trades of the study (most recent survey ≤ year), or None when the input is unavailable."""
    if not etude.available("metiers_tension"):
        return None
    return trades_in_tension(etude.table("metiers_tension"), etude.annee)


def study_tension_note(trades: pd.DataFrame | None, etude) -> str:
    """:func:`tension_note` with the study's reason when the BMO input is missing."""
    reason = "" if trades is not None else etude.unavailable_reason("metiers_tension")
    return tension_note(trades, reason)
