"""Ecosystem of the segments (ecosystem.py)."""

import pandas as pd

from diversification import ecosystem as E
from diversification import purchases as P
from test_purchases import BUYERS, decp_fixture


def structures_fixture():
    return pd.DataFrame({
        "siret": ["1", "2", "3"],
        "nom": ["EI Propre", "ESAT Vert", "Inconnue"],
        "type": ["EI", "ESAT", "AI"],
        "secteurs": [["Nettoyage", "Propreté"], "Espaces verts|Nettoyage", ["Secteur imaginaire"]],
        "commune": ["A", "B", "C"],
        "departement": ["75", "75", "92"],
        "capacite_etp": pd.array([10.0, None, 3.0], dtype="Float64"),
    })


def test_supply_counts_a_structure_once_per_segment():
    supply = E.inclusive_supply(structures_fixture()).set_index("segment_id")
    # nettoyage: EI Propre (two sectors, one segment) + ESAT Vert → 2 ; capacity 10 + unknown → 10
    assert supply.loc["nettoyage_locaux", "nb_structures"] == 2
    assert supply.loc["nettoyage_locaux", "capacite_etp"] == 10.0
    assert supply.loc["espaces_verts", "nb_structures"] == 1
    assert supply.loc["fournitures", "nb_structures"] == 0
    assert E.unknown_sectors(structures_fixture()) == ["Secteur imaginaire"]
    assert E.inclusive_supply(None)["nb_structures"].sum() == 0


def test_execution_department():
    assert E.execution_department("75056", "Code commune") == "75"
    assert E.execution_department("97411", "Code commune") == "974"
    assert E.execution_department("2A004", "Code commune") == "2A"
    assert E.execution_department("5", "Code département") == "05"
    assert E.execution_department("84", "Code région") is None
    assert E.execution_department(None) is None


def test_likely_bidders_and_local_execution():
    prep = P.prepare_decp(decp_fixture(), BUYERS)
    bidders = E.likely_bidders(prep, ["btp_gros_oeuvre", "nettoyage_locaux"], ["75"])
    # gros œuvre: Alpha (75056 → 75, local) and Beta (92012 → 92); the 5th contract has no holder
    gros = bidders[bidders["segment_id"] == "btp_gros_oeuvre"].set_index("titulaire_id")
    assert gros.loc["11111111111111", "nb_marches_execution_locale"] == 1
    assert gros.loc["22222222222222", "nb_marches_execution_locale"] == 0
    assert gros.loc["22222222222222", "departements_execution"] == "92"
    net = bidders[bidders["segment_id"] == "nettoyage_locaux"].set_index("titulaire_id")
    assert net.loc["33333333333333", "departements_execution"] == "974"
    assert net.loc["11111111111111", "montant"] == 50.0
    assert bidders["segment_id"].tolist()[0] == "btp_gros_oeuvre"  # order of segment_ids


def test_summary_and_actors():
    prep = P.prepare_decp(decp_fixture(), BUYERS)
    summary = E.ecosystem_summary(structures_fixture(), prep, ["nettoyage_locaux"], ["75"]).iloc[0]
    assert summary["nb_structures_inclusives"] == 2 and summary["capacite_etp"] == 10.0
    assert summary["nb_titulaires"] == 2 and summary["nb_titulaires_execution_locale"] == 1  # Alpha (75), Gamma (974)
    actors = E.sector_actors(["nettoyage_locaux"])
    assert summary["nb_federations"] == int((actors["type_acteur"] == "fédération").sum()) >= 1


def test_sectors_read_back_from_parquet_as_arrays():
    import numpy as np

    table = structures_fixture()
    table["secteurs"] = [np.array(["Nettoyage", "Propreté"]), np.array(["Espaces verts", "Nettoyage"]),
                         np.array(["Secteur imaginaire"])]
    supply = E.inclusive_supply(table).set_index("segment_id")
    assert supply.loc["nettoyage_locaux", "nb_structures"] == 2
    assert E.unknown_sectors(table) == ["Secteur imaginaire"]
