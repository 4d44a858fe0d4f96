"""Argument sheets: legal framework, figures, protected opportunities, adaptations, autoescape, files."""
import pandas as pd
import pytest

from diversification.decisions import arguments as a
from diversification.publish import documents
from diversification.inputs.errors import InputError

EVIL = "<script>alert(1)</script>"


def test_legal_framework_by_buyer_type():
    etat = a.legal_framework("etat")["ref_id"].tolist()
    coll = a.legal_framework("collectivite")["ref_id"].tolist()
    hop = a.legal_framework("hopital")["ref_id"].tolist()
    assert etat[0] == "instruction_2019_clauses_etat" and "pnad_2022_2025" in etat
    assert "loi_2014_873_egalite" not in etat
    assert coll[0] == "loi_2014_873_egalite" and "instruction_2019_clauses_etat" not in coll
    assert "loi_2014_873_egalite" not in hop and "instruction_2019_clauses_etat" not in hop
    # policy texts first, then the articles of the code de la commande publique (except the SPASER, a CCP article)
    assert hop[0] == "pnad_2022_2025"
    table = a.legal_framework("collectivite").set_index("ref_id")
    assert table.loc["spaser", "condition"].startswith("si l'acheteur y est soumis")
    assert table.loc["pnad_2022_2025", "condition"] == ""


def test_territory_figures_formatting():
    suivi = pd.DataFrame({
        "annee": [2025] * 3, "segment": ["btp_gros_oeuvre", "nettoyage_locaux", "restauration"],
        "heures_realisees": [500.0, 300.0, 200.0], "entreprise_siret": ["1", "2", "3"],
    })
    fig = a.territory_figures(suivi, 2025)
    # share = (500 + 300) / 1000 = 80 %; HHI = .25 + .09 + .04 = .38; effective = 1 / .38 = 2.63
    assert fig["part_construction_nettoyage"] == "80\u202f%"
    assert fig["nombre_effectif"] == "2,6"
    assert fig["heures"] == "1\u202f000"
    assert a.territory_figures(None, 2025)["disponible"] is False


def test_left_out_publics_keep_protected_counts_hidden():
    publics = pd.DataFrame({"public_id": ["femmes", "seniors", "brsa"], "libelle": ["Femmes", "Seniors", "BRSA"],
                            "participants": pd.array([None, 12, 40], dtype="Int64"),
                            "demandeurs": pd.array([100, 50, 80], dtype="Int64"),
                            "indice_representation": pd.array([None, 0.8, 1.4], dtype="Float64"),
                            "rang": [1, 2, 3], "retenu": [True, True, False]})
    rows = a.left_out_publics(publics)
    assert [r["public_id"] for r in rows] == ["femmes", "seniors"]
    assert rows[0]["participants"] == "secret statistique" and rows[0]["indice"] == "secret statistique"
    assert rows[1]["participants"] == "12" and rows[1]["indice"] == "0,80"


def test_opportunities_are_protected():
    demandeurs = pd.DataFrame({
        "annee": [2025] * 3, "code_rome": ["K2204", "K2204", "K2204"],
        "sexe": ["F", "F", "H"], "tranche_age": ["26-49 ans", "50 ans et plus", "50 ans et plus"],
        "effectif": pd.array([7, 3, 2], dtype="Int64"),
    })
    publics = [{"public_id": "femmes", "libelle": "Femmes"}, {"public_id": "seniors", "libelle": "Seniors"}]
    table = a.opportunities(demandeurs, 2025, publics, "nettoyage_locaux", threshold=5)
    by = table.set_index("public_id")
    # K2204 (nettoyage de locaux) is a trade of the segment; femmes: 7 + 3 = 10 shown; seniors: 3 + 2 = 5 shown
    # (≥ threshold), each with its main trade
    assert by["demandeurs"].tolist() == [10, 5]
    assert by["metiers"].tolist() == ["Nettoyage de locaux", "Nettoyage de locaux"]
    hidden = a.opportunities(demandeurs, 2025, publics, "nettoyage_locaux", threshold=11)
    assert hidden["demandeurs"].isna().all() and (hidden["metiers"] == "").all()


def test_adaptations_triggers():
    flags = pd.DataFrame({"volumes_incertains": [True], "duree_courte": [False], "groupement_probable": [True]})
    ids = [x["adaptation_id"] for x in a.adaptations_for({"execution_a_distance": True, "nature": "services"}, flags)]
    assert ids == ["distance_siege", "distance_reseau", "volumes_minima", "groupement"]
    ids = [x["adaptation_id"] for x in a.adaptations_for({"execution_a_distance": False, "nature": "travaux"})]
    assert ids == ["travaux_lots"]


def _context(buyer_name=EVIL, threshold=5):
    return a.sheet_context(
        {"siret": "12345678901234", "nom": buyer_name, "type": "collectivite"},
        {"segment_id": "restauration", "libelle": "Restauration", "exemples_fiche_c1": "Cantine"},
        territoire="T", annee=2025,
        figures={"disponible": True, "heures": "1 000", "part_construction_nettoyage": "80 %",
                 "nombre_effectif": "2,6", "explication": ""},
        publics=[{"public_id": "femmes", "libelle": "Femmes", "participants": "secret statistique",
                  "demandeurs": "100", "indice": "secret statistique"}],
        opportunities_table=pd.DataFrame({"public_id": ["femmes"], "libelle": ["Femmes"],
                                          "demandeurs": pd.array([None], dtype="Int64"), "metiers": [""]}),
        legal=a.legal_framework("collectivite"), adaptations=[],
        purchases=pd.DataFrame({"id_achat": ["X1"], "objet": [EVIL], "montant_examine_ht": [1000.0],
                                "recommandation": ["non retenu"], "signalements": ["aucun"]}),
        threshold=threshold)


def test_autoescape_of_input_values():
    html = a.render_sheet(_context())
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") == 3  # title, buyer line, purchase object
    assert "<script" not in html


def test_sheet_content():
    html = a.render_sheet(_context("Ville de Test"), full=False)
    assert "<html" not in html
    assert "<strong>80 %</strong>" in html and "2,6" in html
    assert "si l&#39;acheteur y est soumis" in html
    assert "Loi n° 2014-873" in html
    assert html.count("secret statistique") >= 3
    assert "Les effectifs compris entre 1 et 4" in html


def test_write_sheets_uses_safe_names(tmp_path):
    sheet = a.ArgumentSheet("12345678901234", "Ville", "restauration", "Restauration", _context("Ville"))
    paths = documents.write_sheets([sheet], tmp_path)
    assert paths == [tmp_path / "argumentaires" / "12345678901234_restauration.html"]
    assert paths[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert documents.write_sheets([sheet], "") == []
    bad = a.ArgumentSheet("../../etc", "Ville", "restauration", "Restauration", _context("Ville"))
    with pytest.raises(InputError):
        documents.write_sheets([bad], tmp_path)


def test_sheets_table():
    sheet = a.ArgumentSheet("1", "Ville", "restauration", "Restauration", _context("Ville"))
    table = a.sheets_table([sheet])
    assert table.to_dict("records") == [{"Acheteur": "Ville", "Segment": "Restauration", "Adaptations": 0,
                                         "Achats prévus": 1, "Fichier": "argumentaires/1_restauration.html"}]
