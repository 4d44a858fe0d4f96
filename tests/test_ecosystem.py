"""Ecosystem of the segments (ecosystem.py)."""

import pandas as pd

from diversification.indicators import ecosystem as E
from diversification.inputs.referentiels import load_referentiel
from diversification.indicators import purchases as P
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


def test_marche_export_sectors_split_on_commas_with_the_longest_known_labels():
    """The Marché de l'inclusion joins sectors with « , », and some labels hold a comma or a slash."""
    from diversification.inputs.segments import split_sectors

    cell = ("Nettoyage de locaux, Ameublement, déco, textile & Artisanat, Pêche/Pisciculture, "
            "Gestion du parc informatique, Maintenance & Installation, Secteur inventé")
    assert split_sectors(cell) == ["Nettoyage de locaux", "Ameublement, déco, textile & Artisanat",
                                   "Pêche/Pisciculture", "Gestion du parc informatique, Maintenance & Installation",
                                   "Secteur inventé"]
    assert split_sectors("Espaces verts | Nettoyage ; Traiteur") == ["Espaces verts", "Nettoyage", "Traiteur"]
    assert split_sectors("Poste de garde / Accueil") == ["Poste de garde / Accueil"]
    assert split_sectors(None) == [] and split_sectors(" | ") == []


def test_real_marche_labels_groups_and_2023_labels_have_a_segment():
    from diversification.inputs.segments import segment_for_sector

    assert segment_for_sector("Nettoyage de locaux") == "nettoyage_locaux"
    assert segment_for_sector("Hygiène et Propreté") == "nettoyage_locaux"  # a group name (exports of 2025-2026)
    assert segment_for_sector("Maraîchage") == segment_for_sector("Maraîchage, légumerie, conserverie")  # renamed
    assert segment_for_sector("Collecte 5 flux (papier, métal, verre et bois) et fournitures d'entreprise") == \
        "dechets_proprete_urbaine"
    table = load_referentiel("secteurs_structures")
    assert table["nature_libelle"].value_counts().to_dict() == {"secteur": 154, "variante": 62, "groupe": 20,
                                                                "ancien libellé": 4}


def test_marche_export_file_loads_with_full_type_names(tmp_path):
    from diversification.inputs.loading import load_structures_inclusives

    path = tmp_path / "structures.csv"
    path.write_text("Raison sociale,Siret,Type de structure,Ville,Département,Secteurs d'activité\n"
                    "Régie A,73282932000074,Entreprise d'insertion (EI),Lille,59,\"Nettoyage de locaux, Traiteur\"\n"
                    "Atelier B,44306184100047,Produits et services réalisés en prison (SEP),Lille,59,Blanchisserie\n"
                    "Atelier C,49300000000015,Structure inconnue (ZZ),Lille,59,Blanchisserie\n",
                    encoding="utf-8")
    result = load_structures_inclusives([path])
    assert result.table["type"].tolist() == ["EI", "SEP"]
    assert result.table["secteurs"].tolist() == [["Nettoyage de locaux", "Traiteur"], ["Blanchisserie"]]
    assert [(r["colonne"], r["ligne"]) for r in result.rejects.records] == [("type", 4)]
