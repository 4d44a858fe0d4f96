"""Insertion hours and their concentration (Fiche C1 §I and §II.a, état des lieux).

Definitions (one home for each):

* **Share of construction + cleaning**: hours of the segments whose ``groupe``
  in ``segments.csv`` is ``construction`` or ``nettoyage``, divided by all hours.
* **Herfindahl–Hirschman index (HHI)** over segments: ``sum(s_i²)`` where
  ``s_i`` is segment ``i``'s share of hours; it lies in ``[1/n, 1]`` for ``n``
  segments with hours (1 = everything in one segment).
* **Effective number of segments**: ``1 / HHI`` — the number of equally sized
  segments that would give the same concentration.
* **Top-5 share**: hours of the five companies with the most hours ÷ all hours.

An indicator that would be meaningless is not computed: it is ``<NA>`` with a
French explanation (no HHI with a single segment, no top-5 share with five
companies or fewer, no share without hours). Hours are the realised hours
(``heures_realisees``) unless another column is given.

Tables that show participants (distinct pseudonyms) go through
:mod:`diversification.indicators.disclosure`: the hours of a row whose participant count
is hidden are hidden too.
"""

from __future__ import annotations

import pandas as pd

from diversification.indicators import disclosure
from diversification.inputs import formatting
from diversification.inputs.referentiels import load_referentiel

#: ``groupe`` values of ``segments.csv`` where clauses historically concentrate.
CONCENTRATED_GROUPS = ("construction", "nettoyage")
#: Number of companies of the « top » share.
TOP_COMPANIES = 5
HOURS_COL = "heures_realisees"
MISSING_SEGMENT = "non_renseigne"
MISSING_SEGMENT_LABEL = "Segment non renseigné"

#: Dimension of a hours table → (key column of the suivi, label column or None, French title).
DIMENSIONS = {
    "segment": ("segment", None, "Segment d'achat"),
    "annee": ("annee", None, "Année"),
    "acheteur": ("acheteur_siret", "acheteur_nom", "Acheteur"),
    "entreprise": ("entreprise_siret", "entreprise_nom", "Entreprise"),
}

INDICATOR_LABELS = {
    "heures_realisees": ("Heures d'insertion réalisées", "heures"),
    "nombre_segments": ("Segments d'achat ayant des heures", "nombre"),
    "part_construction_nettoyage": ("Part des heures dans le BTP et le nettoyage", "part"),
    "hhi_segments": ("Indice de Herfindahl-Hirschman des segments", "indice"),
    "nombre_effectif_segments": ("Nombre effectif de segments (1 / IHH)", "nombre"),
    "nombre_entreprises": ("Entreprises ayant des heures", "nombre"),
    "part_top5_entreprises": ("Part des heures des 5 premières entreprises", "part"),
}


# --- elementary indicators -----------------------------------------------------------------

def hhi(values: pd.Series) -> float:
    """Herfindahl–Hirschman index of non-negative values (hours): sum of squared shares.

    Zero values are ignored; raises ``ValueError`` when there is nothing to share.
    """
    values = pd.Series(values, dtype="Float64").dropna()
    if (values < 0).any():
        raise ValueError("des valeurs négatives ne peuvent pas être des parts")
    total = float(values.sum())
    if total <= 0:
        raise ValueError("aucune heure : l'indice de concentration n'est pas défini")
    shares = values.astype(float) / total
    return float((shares**2).sum())


def effective_number(hhi_value: float) -> float:
    """Effective number of categories: ``1 / HHI``."""
    if not 0 < hhi_value <= 1:
        raise ValueError(f"indice de concentration hors de ]0, 1] : {hhi_value}")
    return 1.0 / hhi_value


def top_share(values: pd.Series, n: int = TOP_COMPANIES) -> float:
    """Share of the ``n`` largest values in the total."""
    values = pd.Series(values, dtype="Float64").dropna().astype(float)
    total = float(values.sum())
    if total <= 0:
        raise ValueError("aucune heure : la part des premières entreprises n'est pas définie")
    return float(values.nlargest(n).sum() / total)


def concentrated_segments(segments: pd.DataFrame | None = None) -> list[str]:
    """Segment ids whose ``groupe`` is construction or cleaning (``segments.csv``)."""
    segments = load_referentiel("segments") if segments is None else segments
    return sorted(segments.loc[segments["groupe"].isin(CONCENTRATED_GROUPS), "segment_id"])


# --- hours tables --------------------------------------------------------------------------

def rows_of_year(suivi: pd.DataFrame, annee: int | None) -> pd.DataFrame:
    """Rows of the study year (all rows when ``annee`` is None)."""
    if annee is None:
        return suivi.copy()
    return suivi.loc[suivi["annee"] == int(annee)].reset_index(drop=True)


def _with_segment(suivi: pd.DataFrame) -> pd.DataFrame:
    out = suivi.copy()
    out["segment"] = out["segment"].astype(object).where(out["segment"].notna(), MISSING_SEGMENT)
    return out


def hours_by(suivi: pd.DataFrame, by: str, *, annee: int | None = None) -> pd.DataFrame:
    """Insertion hours and participants by ``segment``, ``annee``, ``acheteur`` or ``entreprise``.

    Columns: ``cle``, ``libelle``, ``participants`` (distinct pseudonyms),
    ``heures_prevues``, ``heures_realisees``, ``taux_realisation`` (realised ÷
    planned), ``part_heures`` (share of realised hours). Sorted by realised
    hours (descending) then key — years in chronological order.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"dimension inconnue « {by} » (admises : {', '.join(DIMENSIONS)})")
    key, label_col, _ = DIMENSIONS[by]
    rows = _with_segment(rows_of_year(suivi, annee))
    columns = ["cle", "libelle", "participants", "heures_prevues", "heures_realisees", "taux_realisation", "part_heures"]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("cle", "libelle") else "Float64") for c in columns})
    rows["cle"] = rows[key].astype(str)
    grouped = rows.groupby("cle", sort=True)
    table = pd.DataFrame(
        {
            "participants": grouped["participant_id"].nunique().astype("Int64"),
            "heures_prevues": grouped["heures_prevues"].sum(min_count=1).astype("Float64"),
            "heures_realisees": grouped["heures_realisees"].sum(min_count=1).astype("Float64"),
        }
    ).reset_index()
    if label_col is not None:
        labels = rows.sort_values(["cle", label_col], na_position="last").groupby("cle")[label_col].first()
        table["libelle"] = table["cle"].map(labels).astype(object)
        table["libelle"] = table["libelle"].where(table["libelle"].notna(), table["cle"])
    elif by == "segment":
        names = {MISSING_SEGMENT: MISSING_SEGMENT_LABEL, **_segment_labels()}
        table["libelle"] = table["cle"].map(lambda s: names.get(s, s)).astype(object)
    else:
        table["libelle"] = table["cle"].astype(object)
    planned = table["heures_prevues"].astype(float)
    done = table["heures_realisees"].astype(float)
    table["taux_realisation"] = pd.Series(done / planned.where(planned > 0), dtype="Float64")
    total = float(done.sum())
    table["part_heures"] = pd.Series(done / total if total > 0 else float("nan"), dtype="Float64")
    if by == "annee":
        table = table.sort_values("cle", kind="stable")
    else:
        table = table.sort_values(["heures_realisees", "cle"], ascending=[False, True], kind="stable")
    table["cle"] = table["cle"].astype(object)
    return table[columns].reset_index(drop=True)


def _segment_labels() -> dict[str, str]:
    table = load_referentiel("segments")
    return dict(zip(table["segment_id"], table["libelle"]))


def protect_hours(table: pd.DataFrame, threshold: int) -> disclosure.DisclosedTable:
    """Disclosure control of a :func:`hours_by` table: hours of a hidden count are hidden."""
    return disclosure.protect_frequencies(
        table,
        "participants",
        threshold,
        derived_cols=["heures_prevues", "heures_realisees", "taux_realisation", "part_heures"],
    )


def hours_table(suivi: pd.DataFrame, by: str, threshold: int, *, annee: int | None = None) -> disclosure.DisclosedTable:
    """:func:`hours_by` then :func:`protect_hours` (what a notebook shows)."""
    return protect_hours(hours_by(suivi, by, annee=annee), threshold)


# --- concentration indicators ------------------------------------------------------------------

def _indicator(name: str, value: float | None, explanation: str = "") -> dict:
    label, unit = INDICATOR_LABELS[name]
    return {
        "indicateur": name,
        "libelle": label,
        "valeur": value,
        "unite": unit,
        "explication": explanation if value is None else "",
    }


def _indicator_rows(rows: pd.DataFrame, segments: pd.DataFrame | None, hours_col: str) -> list[dict]:
    if rows.empty:  # no row of the suivi for the period: hours unknown, not zero
        reason = "aucune ligne du suivi des clauses pour la période"
        return [_indicator(name, None, reason) for name in (
            "heures_realisees", "nombre_segments", "part_construction_nettoyage", "hhi_segments",
            "nombre_effectif_segments", "nombre_entreprises", "part_top5_entreprises")]
    rows = _with_segment(rows)
    hours = rows[hours_col].astype("Float64").fillna(0).astype(float)
    total = float(hours.sum())
    by_segment = hours.groupby(rows["segment"]).sum()
    by_segment = by_segment[by_segment > 0]
    by_company = hours.groupby(rows["entreprise_siret"].astype(str)).sum()
    by_company = by_company[by_company > 0]
    out = [_indicator("heures_realisees", total), _indicator("nombre_segments", float(len(by_segment)))]
    if total <= 0:
        reason = "aucune heure d'insertion réalisée sur la période"
        out += [_indicator("part_construction_nettoyage", None, reason), _indicator("hhi_segments", None, reason),
                _indicator("nombre_effectif_segments", None, reason)]
    else:
        concentrated = set(concentrated_segments(segments))
        share = float(by_segment[by_segment.index.isin(concentrated)].sum() / total)
        out.append(_indicator("part_construction_nettoyage", share))
        if len(by_segment) < 2:
            reason = (
                "les heures relèvent d'un seul segment d'achat : l'indice de concentration vaut 1 par construction "
                "et ne mesure rien"
            )
            out += [_indicator("hhi_segments", None, reason), _indicator("nombre_effectif_segments", None, reason)]
        else:
            value = hhi(by_segment)
            out += [_indicator("hhi_segments", value), _indicator("nombre_effectif_segments", effective_number(value))]
    out.append(_indicator("nombre_entreprises", float(len(by_company))))
    if total <= 0:
        out.append(_indicator("part_top5_entreprises", None, "aucune heure d'insertion réalisée sur la période"))
    elif len(by_company) <= TOP_COMPANIES:
        out.append(
            _indicator(
                "part_top5_entreprises",
                None,
                f"{len(by_company)} entreprise(s) seulement réalisent des heures : la part des {TOP_COMPANIES} "
                f"premières vaut {formatting.percent(1, 0)} par construction",
            )
        )
    else:
        out.append(_indicator("part_top5_entreprises", top_share(by_company, TOP_COMPANIES)))
    return out


def concentration_indicators(
    suivi: pd.DataFrame,
    *,
    annee: int | None = None,
    hours_col: str = HOURS_COL,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The concentration indicators of one year (all rows when ``annee`` is None).

    Columns: ``indicateur`` (id), ``libelle``, ``valeur`` (Float64, ``<NA>`` when
    it cannot be computed), ``unite`` (``part``, ``indice``, ``nombre``,
    ``heures``), ``explication`` (French reason when ``valeur`` is missing).
    """
    table = pd.DataFrame(_indicator_rows(rows_of_year(suivi, annee), segments, hours_col))
    table["valeur"] = table["valeur"].astype("Float64")
    return table


def concentration_trend(
    suivi: pd.DataFrame, *, hours_col: str = HOURS_COL, segments: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per year of the suivi: hours, segments and the concentration indicators."""
    names = ["heures_realisees", "nombre_segments", "part_construction_nettoyage", "hhi_segments",
             "nombre_effectif_segments", "nombre_entreprises", "part_top5_entreprises"]
    records = []
    for year in sorted(int(y) for y in suivi["annee"].dropna().unique()):
        rows = suivi.loc[suivi["annee"] == year]
        values = {r["indicateur"]: r["valeur"] for r in _indicator_rows(rows, segments, hours_col)}
        records.append({"annee": year, **{n: values[n] for n in names}})
    table = pd.DataFrame(records, columns=["annee", *names])
    table["annee"] = table["annee"].astype("Int64")
    for name in names:
        table[name] = table[name].astype("Float64")
    return table


def _pct(value: float) -> str:
    return formatting.percent(value, 0)


def _num(value: float, digits: int = 1) -> str:
    return formatting.number(value, digits)


def trend_markdown(trend: pd.DataFrame) -> str:
    """French sentence on the trend, or why no trend can be computed."""
    if len(trend) == 0:
        return "*Aucune année de suivi des clauses : aucune évolution ne peut être décrite.*"
    if len(trend) == 1:
        year = int(trend["annee"].iloc[0])
        return (
            f"*Le suivi des clauses ne couvre qu'une seule année ({year}) : aucune tendance ne peut être calculée. "
            "Les indicateurs de concentration de cette année figurent ci-dessus ; l'évolution pourra être décrite "
            "quand plusieurs années de suivi seront disponibles.*"
        )
    first, last = trend.iloc[0], trend.iloc[-1]
    y0, y1 = int(first["annee"]), int(last["annee"])
    parts = []
    if pd.notna(first["part_construction_nettoyage"]) and pd.notna(last["part_construction_nettoyage"]):
        a, b = float(first["part_construction_nettoyage"]), float(last["part_construction_nettoyage"])
        verb = "passe" if round(a, 2) != round(b, 2) else "reste"
        parts.append(
            f"la part des heures réalisées dans le BTP et le nettoyage {verb} de {_pct(a)} à {_pct(b)}"
            if verb == "passe" else f"la part des heures réalisées dans le BTP et le nettoyage reste de {_pct(b)}"
        )
    if pd.notna(first["nombre_effectif_segments"]) and pd.notna(last["nombre_effectif_segments"]):
        a, b = float(first["nombre_effectif_segments"]), float(last["nombre_effectif_segments"])
        parts.append(f"le nombre effectif de segments de {_num(a)} à {_num(b)}")
    if pd.notna(first["part_top5_entreprises"]) and pd.notna(last["part_top5_entreprises"]):
        a, b = float(first["part_top5_entreprises"]), float(last["part_top5_entreprises"])
        parts.append(f"la part des cinq premières entreprises de {_pct(a)} à {_pct(b)}")
    if not parts:
        return f"*De {y0} à {y1}, les indicateurs de concentration ne sont pas calculables aux deux extrémités de la période.*"
    return f"De {y0} à {y1}, " + ", ".join(parts) + "."


def indicators_for_display(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicators table with French formatted values (« non calculable » and its reason)."""
    def fmt(row) -> str:
        value = row["valeur"]
        if pd.isna(value):
            return f"non calculable : {row['explication']}"
        if row["unite"] == "part":
            return _pct(float(value))
        if row["unite"] == "indice":
            return _num(float(value), 3)
        if row["unite"] == "heures":
            return formatting.hours(value)
        return _num(float(value), 2) if float(value) != round(float(value)) else formatting.integer(value)

    return pd.DataFrame({"indicateur": indicators["libelle"], "valeur": [fmt(r) for _, r in indicators.iterrows()]})


# --- charts ---------------------------------------------------------------------------------

