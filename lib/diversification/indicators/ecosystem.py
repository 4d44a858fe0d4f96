"""Ecosystem of a purchase segment (Fiche C1 II.a and II.c).

* inclusive suppliers (SIAE, EA, ESAT, GEIQ…) able to serve the segment, from the
  directory of inclusive structures, sector labels mapped through
  ``secteurs_structures.csv``;
* likely bidders: the holders of the DECP contracts of the segment, with the
  **département d'exécution** of their contracts (the DECP give where the
  contract is executed, not where the holder is based: without a SIRET lookup
  we cannot say where a company is established);
* federations, training bodies and employment partners (``federations_formation.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diversification.inputs.referentiels import load_referentiel
from diversification.inputs.segments import segment_for_sector, segment_labels, split_sectors

UNKNOWN_DEPARTMENT = "inconnu"


def structures_by_segment(structures: pd.DataFrame) -> pd.DataFrame:
    """One row per (structure, segment served): a structure with two sectors of one segment counts once.

    Sectors are a list (or a text separated by « | » or « ; »); unknown sector
    labels are ignored (listed by :func:`unknown_sectors`).
    """
    rows = []
    for rec in structures.itertuples(index=False):
        sectors = _sector_list(rec.secteurs)
        for segment in {segment_for_sector(s) for s in sectors} - {None}:
            rows.append({
                "segment_id": segment,
                "siret": rec.siret,
                "nom": rec.nom,
                "type": rec.type,
                "commune": getattr(rec, "commune", None),
                "departement": getattr(rec, "departement", None),
                "capacite_etp": getattr(rec, "capacite_etp", None),
            })
    columns = ["segment_id", "siret", "nom", "type", "commune", "departement", "capacite_etp"]
    out = pd.DataFrame(rows, columns=columns)
    out["capacite_etp"] = pd.to_numeric(out["capacite_etp"], errors="coerce").astype("Float64")
    return out.sort_values(["segment_id", "nom", "siret"]).reset_index(drop=True)


def _sector_list(value: object) -> list[str]:
    """Sectors of one structure: a list, an array (read back from Parquet) or a text (:func:`split_sectors`)."""
    if isinstance(value, str):
        items = split_sectors(value)
    elif isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = list(value)
    else:
        items = []
    return [str(s).strip() for s in items if s is not None and str(s).strip()]


def unknown_sectors(structures: pd.DataFrame) -> list[str]:
    """Sector labels of the directory that ``secteurs_structures.csv`` does not know (sorted)."""
    labels = {s for sectors in structures["secteurs"] for s in _sector_list(sectors) if segment_for_sector(s) is None}
    return sorted(labels)


def inclusive_supply(structures: pd.DataFrame | None) -> pd.DataFrame:
    """Per segment: number of inclusive structures serving it and their capacity (ETP, known values).

    Every segment of the reference table is present (0 when none).
    """
    segments = load_referentiel("segments")["segment_id"]
    out = pd.DataFrame({"segment_id": segments})
    if structures is None or structures.empty:
        out["nb_structures"] = 0
        out["capacite_etp"] = 0.0
        return out
    links = structures_by_segment(structures)
    agg = links.groupby("segment_id").agg(nb_structures=("siret", "nunique"),
                                          capacite_etp=("capacite_etp", "sum"))
    out = out.merge(agg, on="segment_id", how="left")
    out["nb_structures"] = out["nb_structures"].fillna(0).astype(int)
    out["capacite_etp"] = out["capacite_etp"].astype("Float64").fillna(0.0).astype(float).round(6)
    return out


def inclusive_suppliers(structures: pd.DataFrame | None, segment_ids: list[str]) -> pd.DataFrame:
    """Inclusive structures able to serve each of ``segment_ids`` (in that order)."""
    columns = ["segment_id", "libelle", "nom", "type", "commune", "departement", "capacite_etp"]
    if structures is None or structures.empty:
        return pd.DataFrame(columns=columns)
    links = structures_by_segment(structures)
    links = links[links["segment_id"].isin(segment_ids)].copy()
    links["libelle"] = links["segment_id"].map(segment_labels())
    order = {s: i for i, s in enumerate(segment_ids)}
    links = links.assign(_o=links["segment_id"].map(order)).sort_values(["_o", "nom", "siret"])
    return links[columns].reset_index(drop=True)


def execution_department(code: object, type_code: object = None) -> str | None:
    """Department of a DECP ``lieuExecution`` code, or None when it cannot be told.

    Commune (INSEE) or postal code: the first two characters, three for the
    overseas departments (97x, 98x); department code: as given; region,
    country or other codes: None.
    """
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return None
    text = str(code).strip().upper()
    kind = str(type_code or "").lower()
    if not text:
        return None
    if "département" in kind or "departement" in kind:
        return text.zfill(2) if text.isdigit() else text
    if "commune" in kind or "postal" in kind or (not kind and len(text) == 5):
        if len(text) != 5:
            return None
        return text[:3] if text[:2] in ("97", "98") else text[:2]
    return None


def likely_bidders(prepared_decp: pd.DataFrame, segment_ids: list[str], departements: list[str]) -> pd.DataFrame:
    """Holders of the DECP contracts of each segment (likely bidders), with where they executed them.

    ``prepared_decp`` comes from :func:`diversification.indicators.purchases.prepare_decp`.
    One row per segment × holder: number of contracts, valid amount,
    contracts executed in one of the territory's ``departements`` (département
    d'exécution, not the holder's seat), and the departments of execution.
    """
    columns = ["segment_id", "libelle", "titulaire_id", "titulaire_nom", "nb_marches", "montant",
               "nb_marches_execution_locale", "departements_execution"]
    data = prepared_decp[prepared_decp["segment"].isin(segment_ids)].copy()
    data = data[data["titulaire_id"].notna()]
    if data.empty:
        return pd.DataFrame(columns=columns)
    depts = [execution_department(c, t) for c, t in zip(data["lieuExecution_code"], data["lieuExecution_typeCode"])]
    data["dept"] = pd.Series(depts, index=data.index, dtype="string").fillna(UNKNOWN_DEPARTMENT)
    wanted = {str(d).zfill(2) for d in departements}
    data["local"] = data["dept"].isin(wanted)
    valid = data["montant_valide"].fillna(False).astype(bool)
    data["montant_ok"] = data["montant_final"].astype("Float64").where(valid, 0.0).fillna(0.0).astype(float)
    data["titulaire_nom"] = data["titulaire_nom"].astype("string").fillna("")
    grouped = data.groupby(["segment", "titulaire_id"], sort=True).agg(
        titulaire_nom=("titulaire_nom", "max"),
        nb_marches=("uid", "size"),
        montant=("montant_ok", "sum"),
        nb_marches_execution_locale=("local", "sum"),
        departements_execution=("dept", lambda s: ", ".join(sorted(set(s)))),
    ).reset_index().rename(columns={"segment": "segment_id"})
    grouped["nb_marches_execution_locale"] = grouped["nb_marches_execution_locale"].astype(int)
    grouped["titulaire_nom"] = grouped["titulaire_nom"].replace("", pd.NA)
    grouped["libelle"] = grouped["segment_id"].map(segment_labels())
    order = {s: i for i, s in enumerate(segment_ids)}
    grouped = grouped.assign(_o=grouped["segment_id"].map(order)).sort_values(
        ["_o", "nb_marches", "montant", "titulaire_id"], ascending=[True, False, False, True])
    return grouped[columns].reset_index(drop=True)


def sector_actors(segment_ids: list[str]) -> pd.DataFrame:
    """Federations, training bodies and employment partners of each segment (reference table)."""
    table = load_referentiel("federations_formation")
    table = table[table["segment_id"].isin(segment_ids)].copy()
    table["libelle"] = table["segment_id"].map(segment_labels())
    order = {s: i for i, s in enumerate(segment_ids)}
    table = table.assign(_o=table["segment_id"].map(order)).sort_values(["_o", "type_acteur", "nom"])
    return table[["segment_id", "libelle", "type_acteur", "nom", "role"]].reset_index(drop=True)


def ecosystem_summary(structures: pd.DataFrame | None, prepared_decp: pd.DataFrame, segment_ids: list[str],
                      departements: list[str]) -> pd.DataFrame:
    """One row per segment of ``segment_ids``: inclusive suppliers, bidders (and how many executed locally), actors."""
    suppliers = inclusive_suppliers(structures, segment_ids)
    bidders = likely_bidders(prepared_decp, segment_ids, departements)
    actors = sector_actors(segment_ids)
    labels = segment_labels()
    rows = []
    for sid in segment_ids:
        sup = suppliers[suppliers["segment_id"] == sid]
        bid = bidders[bidders["segment_id"] == sid]
        act = actors[actors["segment_id"] == sid]
        rows.append({
            "segment_id": sid,
            "libelle": labels.get(sid, sid),
            "nb_structures_inclusives": int(len(sup)),
            "capacite_etp": float(sup["capacite_etp"].astype("Float64").fillna(0).sum()),
            "nb_titulaires": int(len(bid)),
            "nb_titulaires_execution_locale": int((bid["nb_marches_execution_locale"] > 0).sum()),
            "nb_federations": int((act["type_acteur"] == "fédération").sum()),
            "nb_organismes_formation": int((act["type_acteur"] == "organisme de formation").sum()),
            "nb_partenaires_emploi": int((act["type_acteur"] == "partenaire emploi").sum()),
        })
    return pd.DataFrame(rows)


def study_structures(etude) -> pd.DataFrame | None:
    """The directory of inclusive structures of the study, or None when unavailable."""
    return etude.table("structures_inclusives") if etude.available("structures_inclusives") else None
