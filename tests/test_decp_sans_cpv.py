"""A contract without a usable CPV code is kept (issue 18.4): counted in its buyer's totals and in the share of
contracts with a social consideration, classed « segment indéterminé », flagged, never ranked as a segment.

The file is shaped like a real DECP 2024 export (nested layout); 3 of its 9 contracts have no usable CPV code
(absent, 7 digits, letters). Totals below are computed by hand.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from diversification.inputs import decp, national
from diversification.indicators import purchases
from diversification.inputs.errors import ACTION_ROW_REJECTED, ACTION_VALUE_FLAGGED
from diversification.inputs.segments import INDETERMINATE_SEGMENT, segment_labels

TODAY = date(2026, 1, 1)
CITY, DEPT = "21750001600019", "21593000700012"
BUYERS = [{"siret": CITY, "nom": "Ville", "type": "collectivite"},
          {"siret": DEPT, "nom": "Département", "type": "collectivite"}]
# (id, buyer, CPV or None, amount, social considerations)
CONTRACTS = [
    ("V1", CITY, "45000000-7", 100_000, ["Clause sociale"]),
    ("V2", CITY, None, 50_000, ["Clause sociale"]),            # CPV absent
    ("V3", CITY, "90910000", 20_000, ["Pas de considération sociale"]),
    ("V4", CITY, "4521000", 30_000, ["Pas de considération sociale"]),  # 7 digits
    ("V5", CITY, "77310000", 10_000, ["Marché réservé"]),
    ("D1", DEPT, "45233140", 200_000, ["Pas de considération sociale"]),
    ("D2", DEPT, "45A00000", 40_000, ["Critère social"]),      # letters
    ("D3", DEPT, "79710000-4", 60_000, ["Pas de considération sociale"]),
    ("D4", DEPT, "55523100", 5_000, ["Pas de considération sociale"]),
]


def _file(tmp_path):
    marches = []
    for ident, buyer, cpv, amount, social in CONTRACTS:
        record = {"id": ident, "acheteur": {"id": buyer}, "nature": "Marché", "objet": f"Objet {ident}",
                  "procedure": "Procédure adaptée", "lieuExecution": {"code": "75056", "typeCode": "Code commune"},
                  "dureeMois": 12, "dateNotification": "2024-03-01", "montant": amount, "formePrix": "Forfaitaire",
                  "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "55204599900869"}}],
                  "considerationsSociales": {"considerationSociale": social}}
        if cpv is not None:
            record["codeCPV"] = cpv
        marches.append(record)
    path = tmp_path / "decp_2024.json"
    path.write_text(json.dumps({"marches": {"marche": marches}}, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_third_without_cpv_is_kept_counted_and_flagged(tmp_path):
    result = decp.load_decp(_file(tmp_path), today=TODAY)
    table = result.table
    assert len(table) == 9 and result.rows_read == 9
    assert not [r for r in result.rejects.records if r["action"] == ACTION_ROW_REJECTED]
    flagged = [r for r in result.rejects.records if r["colonne"] == "codeCPV"]
    assert [(r["ligne"], r["action"]) for r in flagged] == [(2, ACTION_VALUE_FLAGGED), (4, ACTION_VALUE_FLAGGED),
                                                            (7, ACTION_VALUE_FLAGGED)]
    assert all("segment indéterminé" in r["motif"] for r in flagged)

    # buyer totals: Ville 100 000 + 50 000 + 20 000 + 30 000 + 10 000 = 210 000 € (5 contracts, 3 « oui »);
    # Département 200 000 + 40 000 + 60 000 + 5 000 = 305 000 € (4 contracts, 1 « oui »)
    by_buyer = purchases.purchases_by_buyer(table, BUYERS).set_index("acheteur")
    assert by_buyer.loc["Ville", "nb_marches"] == 5 and by_buyer.loc["Ville", "montant"] == 210_000
    assert by_buyer.loc["Département", "nb_marches"] == 4 and by_buyer.loc["Département", "montant"] == 305_000
    assert by_buyer.loc["Ville", "part_nb"] == 3 / 5 and by_buyer.loc["Département", "part_nb"] == 1 / 4
    # shares of all contracts: 4 « oui » of 9; by amount (100 000 + 50 000 + 10 000 + 40 000) / 515 000
    total = purchases.social_shares(purchases.prepare_decp(table, BUYERS), []).iloc[0]
    assert total["part_nb"] == 4 / 9 and abs(total["part_montant"] - 200_000 / 515_000) < 1e-12

    # the indeterminate segment holds V2, V4, D2: 120 000 €, 2 « oui » of 3; labelled; never ranked
    by_segment = purchases.purchases_by_segment(table, BUYERS).set_index("segment")
    assert by_segment.loc[INDETERMINATE_SEGMENT, "nb_marches"] == 3
    assert by_segment.loc[INDETERMINATE_SEGMENT, "montant"] == 120_000
    assert by_segment.loc[INDETERMINATE_SEGMENT, "libelle"] == segment_labels(indeterminate=True)[INDETERMINATE_SEGMENT]
    assert segment_labels(indeterminate=True)[INDETERMINATE_SEGMENT].startswith("Segment indéterminé")


def test_the_national_ingest_keeps_them_too(tmp_path):
    header = ("uid,id,acheteur_id,titulaire_id,titulaire_typeIdentifiant,montant,codeCPV,dateNotification,"
              "considerationsSociales,lieuExecution_code,lieuExecution_typeCode,modification_id")
    lines = [f"{b}{i},{i},{b},55204599900869,SIRET,{m},{c or ''},2024-03-01,{s[0]},75,Code département,0"
             for i, b, c, m, s in CONTRACTS]
    path = tmp_path / "decp_national.csv"
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    fast = national.clean_national(path, today=TODAY)
    table = fast.table.to_pandas().set_index("id")
    assert len(table) == 9 and fast.rows_read == 9
    assert list(table.loc[["V2", "V4", "D2"], "segment"]) == [INDETERMINATE_SEGMENT] * 3
    assert dict(zip(fast.motifs["motif"], fast.motifs["action"])) == {
        national.REASONS["cpv_absent"][0]: "valeur signalée", national.REASONS["cpv_invalide"][0]: "valeur signalée"}
    aggregate = national.aggregate_department_segment(fast.table).set_index("segment")
    assert aggregate.loc[INDETERMINATE_SEGMENT, "marches"] == 3
    assert aggregate.loc[INDETERMINATE_SEGMENT, "marches_clause_sociale"] == 1  # V2 (D2 has a criterion)
    assert aggregate.loc[INDETERMINATE_SEGMENT, "montant_total"] == 120_000
    assert int(aggregate["marches"].sum()) == 9 and aggregate["montant_total"].sum() == 515_000


def test_indeterminate_segment_is_in_the_quality_table_and_not_scored(tmp_path):
    from diversification.decisions import scoring
    from diversification.inputs.referentiels import load_referentiel

    table = decp.load_decp(_file(tmp_path), today=TODAY).table
    prepared = purchases.prepare_decp(table, BUYERS)
    empty = pd.DataFrame({"segment_id": pd.Series(dtype=str), "part_difficiles": pd.Series(dtype=float),
                          "nb_metiers_verts": pd.Series(dtype=float)})
    supply = pd.DataFrame({"segment_id": pd.Series(dtype=str), "nb_structures": pd.Series(dtype=float),
                           "capacite_etp": pd.Series(dtype=float)})
    criteria = scoring.compute_criteria(prepared_decp=prepared, planned=None, job_seekers=pd.Series(dtype=float),
                                        opportunities=empty, supply=supply, policy=[])
    assert INDETERMINATE_SEGMENT not in set(criteria["segment_id"])
    assert list(criteria["segment_id"]) == list(load_referentiel("segments")["segment_id"])
    # the segments share the amount of the 6 contracts with a usable code (one year of data)
    volumes = criteria.set_index("segment_id")["volume_achats"]
    assert volumes.sum() == 515_000 - 120_000


def test_quality_table_counts_the_indeterminate_segment(tmp_path):
    from types import SimpleNamespace

    from diversification.inputs import quality

    table = decp.load_decp(_file(tmp_path), today=TODAY).table
    inputs = {"decp": SimpleNamespace(table=table),
              "suivi_clauses": SimpleNamespace(table=pd.DataFrame()),
              "achats_prevus": SimpleNamespace(table=pd.DataFrame({"code_cpv": [None, "45000000"]}))}
    frame = quality.coverage_segments(SimpleNamespace(inputs=inputs)).set_index("segment")
    assert frame.loc[INDETERMINATE_SEGMENT, "marchés publiés (DECP)"] == 3
    assert frame.loc[INDETERMINATE_SEGMENT, "achats prévus"] == 1
    assert frame.loc[INDETERMINATE_SEGMENT, "libellé"].startswith("Segment indéterminé")
    assert int(frame["marchés publiés (DECP)"].sum()) == 9
