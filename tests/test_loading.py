"""Tabular loaders: typed rows, French rejection report, nothing dropped silently."""

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from diversification.inputs import loading
from diversification.inputs.errors import ACTION_COLUMN_DROPPED, ACTION_COLUMN_IGNORED, ACTION_DUPLICATE_REMOVED, InputError
from diversification.inputs.pseudonymisation import pseudonymize_value

FIXTURES = Path(__file__).parent / "fixtures" / "entrees"
TODAY = dt.date(2025, 6, 30)
SALT = bytes(range(32))


@pytest.fixture(scope="module")
def suivi():
    return loading.load_suivi_clauses([FIXTURES / "suivi_clauses_cp1252.csv"], salt=SALT, today=TODAY)


def motifs(result, line):
    return [(r["colonne"], r["motif"], r["action"]) for r in result.rejects.records if r["ligne"] == line]


def test_suivi_counts(suivi):
    # 10 data rows: 5 kept, 4 rejected (lines 3, 8, 9, 11), 1 duplicate (line 5)
    assert suivi.rows_read == 10
    assert suivi.table["ligne"].tolist() == [2, 4, 6, 7, 10]
    assert suivi.rows_rejected == 5
    assert suivi.rows_read == len(suivi.table) + suivi.rows_rejected


def test_suivi_french_formats_are_parsed(suivi):
    row = suivi.table.set_index("ligne").loc[4]
    assert row["heures_prevues"] == pytest.approx(1234.5)  # "1 234,5" with a non-breaking space
    assert row["heures_realisees"] == pytest.approx(1200.0)
    assert row["sexe"] == "H"  # "H"
    assert row["niveau_qualification"] == "infra 3 (sans diplôme)"  # "infra 3"
    assert row["date_debut"] == pd.Timestamp(2024, 1, 2)
    first = suivi.table.set_index("ligne").loc[2]
    assert first["heures_realisees"] == pytest.approx(80.5)
    assert first["code_cpv"] == "45210000"  # check digit removed
    assert first["qpv"] is True or first["qpv"] == True  # noqa: E712


def test_suivi_segments_from_cpv(suivi):
    assert suivi.table.set_index("ligne")["segment"].to_dict() == {
        2: "btp_gros_oeuvre", 4: "nettoyage_locaux", 6: "informatique_numerique", 7: "informatique_numerique",
        10: "nettoyage_locaux",
    }


def test_suivi_participants_are_pseudonymised(suivi):
    assert suivi.table.set_index("ligne").loc[2, "participant_id"] == pseudonymize_value("P1", SALT)
    assert not suivi.table["participant_id"].isin(["P1", "P3", "P4"]).any()


def test_suivi_rejections_name_column_and_reason(suivi):
    assert motifs(suivi, 3) == [("heures_realisees", "Heures réalisées : valeur inférieure au minimum admis (0)", "ligne rejetée")]
    assert motifs(suivi, 8) == [("sexe", "Sexe : valeur hors liste (admises : F, H)", "ligne rejetée")]
    assert motifs(suivi, 9) == [("heures_realisees", "Heures réalisées : nombre illisible", "ligne rejetée")]
    assert motifs(suivi, 11) == [("participant_id", "Identifiant du participant : valeur obligatoire absente", "ligne rejetée")]
    assert motifs(suivi, 5) == [("", "doublon : ligne identique à la ligne 2", ACTION_DUPLICATE_REMOVED)]


def test_suivi_flagged_values_keep_the_row(suivi):
    assert motifs(suivi, 6) == [("entreprise_siret", "SIRET de l'entreprise : SIRET invalide : clé de contrôle (Luhn) fausse",
                                 "signalée, ligne conservée")]
    assert motifs(suivi, 7) == [("date_debut", "Date de début : date illisible ou impossible (formats admis : jj/mm/aaaa, aaaa-mm-jj)",
                                 "valeur ignorée, ligne conservée")]
    assert motifs(suivi, 10) == [("date_fin", "Date de fin : date dans le futur (après le 30/06/2025)", "valeur ignorée, ligne conservée")]
    assert pd.isna(suivi.table.set_index("ligne").loc[7, "date_debut"])


def test_direct_identifiers_dropped_and_unknown_columns_reported(suivi):
    columns = {(r["colonne"], r["action"]) for r in suivi.rejects.records if r["ligne"] is None}
    assert columns == {("Nom", ACTION_COLUMN_DROPPED), ("colonne_bizarre", ACTION_COLUMN_IGNORED)}
    assert "Nom" not in suivi.table.columns and "nom" not in suivi.table.columns
    assert any("Windows-1252" in n for n in suivi.notices)
    assert any("« Nom »" in n and "données personnelles" in n for n in suivi.notices)


def test_missing_required_column_is_an_input_error(tmp_path):
    path = tmp_path / "suivi.csv"
    path.write_text("annee;id_marche\n2024;M1\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        loading.load_suivi_clauses([path], today=TODAY)
    message = str(exc.value)
    assert "« suivi.csv »" in message and "« heures_realisees » (Heures réalisées)" in message


def test_header_only_file_loads_empty_with_notice(tmp_path):
    path = tmp_path / "demandeurs.csv"
    path.write_text("annee;sexe;tranche_age;niveau_qualification;anciennete;rqth;brsa;qpv;code_rome;effectif\n", encoding="utf-8")
    result = loading.load_demandeurs_emploi([path], today=TODAY)
    assert result.table.empty and result.rows_read == 0
    assert any("que la ligne d'en-tête" in n for n in result.notices)


def test_demandeurs_bad_rome_rejected(tmp_path):
    path = tmp_path / "demandeurs.csv"
    path.write_text(
        "annee,sexe,tranche_age,niveau_qualification,anciennete,rqth,brsa,qpv,code_rome,effectif\n"
        "2025,F,26-49 ans,3 (CAP-BEP),un an ou plus,non,oui,non,k2204,12\n"
        "2025,H,26-49 ans,3 (CAP-BEP),un an ou plus,non,oui,non,K22,3\n",
        encoding="utf-8",
    )
    result = loading.load_demandeurs_emploi([path], today=TODAY)
    assert result.table["code_rome"].tolist() == ["K2204"]
    assert motifs(result, 3)[0][0:2] == ("code_rome", "Métier recherché (ROME) : code ROME invalide (une lettre et quatre chiffres attendus)")


def test_bmo_official_layout(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Description_des_variables"
    ws.append(["Variable", "Libellé"])
    data = wb.create_sheet("BMO_2025_open_data")
    data.append(["annee", "Code métier BMO", "Nom métier BMO", "Famille_met", "Lbl_fam_met", "REG", "NOM_REG", "BE25",
                 "NOMBE25", "Dept", "NomDept", "met", "xmet", "smet"])
    data.append([2025, "T4Z60", "Agents d'entretien", "S", "Services", 84, "ARA", "8401", "Bassin A", 1, "Ain", 120, 80, "*"])
    data.append([2025, "A0Z40", "Jardiniers", "A", "Agriculture", 84, "ARA", "8401", "Bassin A", 1, "Ain", "*", "*", "*"])
    data.append([2025, "A0Z40", "Jardiniers", "A", "Agriculture", 84, "ARA", "6901", "Bassin B", 69, "Rhône", 40, 10, 5])
    path = tmp_path / "bmo.xlsx"
    wb.save(path)
    result = loading.load_metiers_tension([path], departements=["01"], today=TODAY)
    table = result.table
    assert table["departement"].tolist() == ["01", "01"]  # "1" padded, Rhône filtered out
    assert table["projets_recrutement"].tolist()[0] == 120
    assert pd.isna(table["projets_recrutement"].tolist()[1])  # "*" is secret: missing, never 0
    assert table["projets_recrutement_secret"].tolist() == [False, True]
    assert table["bassin_emploi"].tolist() == ["8401", "8401"]
    assert any("secret statistique" in n for n in result.notices)
    assert any("hors du territoire" in n for n in result.notices)


def test_structures_duplicate_siret_and_sectors(tmp_path):
    path = tmp_path / "structures.csv"
    path.write_text(
        "siret;nom;type;secteurs;commune;departement;capacite_etp\n"
        "44090956200041;Régie Nord;ACI;Espaces verts | Nettoyage;Lille;59;12,5\n"
        "44090956200041;Régie Nord bis;ACI;Nettoyage;Lille;59;3\n"
        "13001845000028;ESAT du Lac;ESAT;Blanchisserie;Annecy;74;40\n"
        "21974022200019;Inconnue;SCOP;Nettoyage;Lyon;69;2\n",
        encoding="utf-8",
    )
    result = loading.load_structures_inclusives([path], today=TODAY)
    assert result.table["nom"].tolist() == ["Régie Nord", "ESAT du Lac"]  # « nom » of a structure is not personal
    assert result.table["secteurs"].tolist()[0] == ["Espaces verts", "Nettoyage"]
    assert motifs(result, 3) == [("siret", "doublon : même siret à la ligne 2", ACTION_DUPLICATE_REMOVED)]
    assert motifs(result, 5)[0][1].startswith("Type de structure : valeur hors liste")


def test_achats_prevus_min_above_max(tmp_path):
    path = tmp_path / "achats.csv"
    path.write_text(
        "id_achat;acheteur_siret;objet;code_cpv;nature;montant_estime_ht;montant_min_ht;montant_max_ht;date_debut;duree_mois\n"
        "A1;13001845000028;Nettoyage;90910000;services;120 000;50 000;150 000;01/01/2027;36\n"
        "A2;13001845000028;Repas;55523100;Services;80 000;90 000;60 000;01/01/2027;12\n",
        encoding="utf-8",
    )
    result = loading.load_achats_prevus([path])
    assert result.table["id_achat"].tolist() == ["A1"]  # future start dates are normal for planned purchases
    assert result.table["montant_estime_ht"].tolist() == [120000.0]
    assert motifs(result, 3)[0][1] == "Montant minimum : supérieur au montant maximum de l'accord-cadre"


def write_territory(tmp_path: Path) -> Path:
    folder = tmp_path / "terr"
    folder.mkdir()
    (folder / "territoire.yaml").write_text(
        'nom: "Test"\nidentifiant: test\nannee: 2024\nacheteurs:\n  - {siret: "13001845000028", nom: "Acheteur", type: etat}\n',
        encoding="utf-8",
    )
    shutil.copy(FIXTURES / "suivi_clauses_cp1252.csv", folder / "suivi_clauses.csv")
    (folder / "demandeurs_emploi.csv").write_text("annee;sexe\n2024;F\n", encoding="utf-8")
    return folder


def test_load_territory_goes_on_when_inputs_are_missing_or_unreadable(tmp_path):
    data = loading.load_territory(write_territory(tmp_path), today=TODAY, salt=SALT)
    assert data.inputs["suivi_clauses"].status == "chargée"
    assert len(data.table("suivi_clauses")) == 5
    assert data.inputs["demandeurs_emploi"].status == "illisible"
    assert "colonne(s) obligatoire(s) absente(s)" in data.inputs["demandeurs_emploi"].notices[0]
    assert data.inputs["achats_prevus"].status == "absente"
    assert "facultative" in data.inputs["achats_prevus"].notices[0]
    assert data.inputs["decp"].status == "absente"
    rejects = data.rejects()
    assert set(rejects["entree"]) == {"suivi_clauses", "demandeurs_emploi"}
    assert (rejects["action"] == "fichier rejeté").sum() == 1


def test_france_travail_age_bands_read_as_the_kit_bands():
    """The bands of France Travail / DARES statistics (« Moins de 25 ans », « 25 à 49 ans », « 50 ans ou plus »)."""
    from diversification.inputs.loading import CATEGORY_SYNONYMS
    from diversification.inputs import parsing

    bands = CATEGORY_SYNONYMS["tranche_age"]
    assert [bands[parsing.normalize_header(v)] for v in ("Moins de 25 ans", "25 à 49 ans", "De 25 à 49 ans",
                                                         "50 ans ou plus")] == [
        "moins de 26 ans", "26-49 ans", "26-49 ans", "50 ans et plus"]


def _seekers(tmp_path, lines: list[str]):
    from diversification.inputs.loading import load_demandeurs_emploi

    header = "annee;categorie;sexe;tranche_age;niveau_qualification;anciennete;rqth;brsa;qpv;code_rome;effectif"
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return load_demandeurs_emploi([path])


def test_job_seeker_total_and_other_categories_are_not_added_to_a_b_c(tmp_path):
    """A=10, B=5, C=6, plus a margin ABC=21, D=3 and an ambiguous « Total »=30: 21 job seekers, not 75. ABC is kept
    as a margin (never added to A, B, C), D and « Total » (which may count D and E) are rejected, said."""
    from diversification.indicators import demand

    cell = "F;26-49 ans;4 (bac);un an ou plus;non;non;non;K2204"
    result = _seekers(tmp_path, [f"2025;{c};{cell};{n}" for c, n in (("A", 10), ("B", 5), ("C", 6), ("ABC", 21), ("D", 3),
                                                                      ("Total", 30))])
    assert result.table["marges"].tolist() == ["", "", "", "categorie"]
    assert demand._total_jobseekers(result.table, 2025) == 21
    assert demand.demand_by_public(result.table, 2025).set_index("public_id").at["femmes", "demandeurs"] == 21
    rejected = [(r["ligne"], r["colonne"], r["action"]) for r in result.rejects.records]
    assert rejected == [(6, "categorie", "ligne rejetée"), (7, "categorie", "ligne rejetée")]
    assert "valeur hors liste" in result.rejects.records[0]["motif"]  # D
    assert "peut compter les catégories D et E" in result.rejects.records[1]["motif"]
    # an absent category (column present, value empty) keeps the row
    assert int(_seekers(tmp_path, [f"2025;;{cell};7"]).table["effectif"].sum()) == 7


def test_job_seeker_rows_of_the_same_cell_are_added_and_said(tmp_path):
    """Finer seniority bands read as « un an ou plus »: 10 + 20 in one cell (not 10 kept, 20 dropped)."""
    result = _seekers(tmp_path, [
        "2025;A;Femmes;Moins de 25 ans;Aucun diplôme;De 1 an à moins de 2 ans;non;non;non;K2204;10",
        "2025;A;F;moins de 26 ans;infra 3 (sans diplôme);2 ans ou plus;non;non;non;K2204;20",
        "2025;A;F;moins de 26 ans;infra 3 (sans diplôme);moins d'un an;non;non;non;K2204;4",
    ])
    assert sorted(result.table["effectif"].tolist()) == [4, 30]
    assert ("« demandeurs_emploi.csv », colonne « Tranche d'âge » : « Moins de 25 ans » lu comme « moins de 26 ans » "
            "(tranches de France Travail : les jeunes de 25 ans comptent parmi les 26-49 ans).") in result.notices
    assert [(r["ligne"], r["action"]) for r in result.rejects.records] == [
        (3, "effectif additionné à celui d'une ligne précédente")]
    assert "ligne 2" in result.rejects.records[0]["motif"]


def test_job_seekers_of_other_departments_left_out_and_said(tmp_path):
    from diversification.inputs.loading import load_demandeurs_emploi

    header = "annee;departement;categorie;sexe;tranche_age;niveau_qualification;anciennete;rqth;brsa;qpv;code_rome;effectif"
    cell = "A;F;26-49 ans;4 (bac);un an ou plus;non;non;non;K2204"
    path = tmp_path / "demandeurs_emploi.csv"
    path.write_text("\n".join([header, f"2025;1;{cell};10", f"2025;01;{cell};5", f"2025;69;{cell};7",
                               f"2025;2a;{cell};3", f"2025;;{cell};2"]) + "\n", encoding="utf-8")
    result = load_demandeurs_emploi([path], departements=["1", "2A"])
    # « 1 » and « 01 » are the same department (one cell: 15); 2A kept; no department: kept; 69 left out
    assert sorted(result.table["effectif"].tolist()) == [2, 3, 15]
    assert any("1 ligne(s) de demandeurs d'emploi hors du territoire (départements 01, 2A) écartées : "
               "7 demandeur(s) d'emploi (69)" in n for n in result.notices)
    assert int(load_demandeurs_emploi([path]).table["effectif"].sum()) == 27  # no territory: all kept


@pytest.mark.parametrize("key", ["suivi_clauses", "demandeurs_emploi", "metiers_tension", "achats_prevus",
                                 "structures_inclusives", "decp"])
def test_an_absent_input_gives_an_empty_table_with_the_columns_of_a_loaded_file(key, tmp_path):
    """What the phases read for an absent input: no row, but the columns and types of the sample's loaded file."""
    from diversification.inputs.config import load_config
    from diversification.inputs.loading import empty_table, load_input
    from diversification.inputs.paths import TERRITOIRES_DIR

    loaded = load_input(load_config(TERRITOIRES_DIR / "metropole-exemple"), key, salt=b"sel-de-seize-octets")
    empty = empty_table(key)
    assert empty.empty and list(empty.columns) == list(loaded.table.columns)
    assert empty.dtypes.astype(str).tolist() == loaded.table.dtypes.astype(str).tolist()
    (tmp_path / "territoire.yaml").write_text('nom: "Vide"\nidentifiant: vide\nannee: 2025\n', encoding="utf-8")
    absent = load_input(load_config(tmp_path), key)
    assert absent.status == "absente" and list(absent.table.columns) == list(loaded.table.columns)
    empty["colonne_ajoutee"] = []  # a copy: the cached table is never changed
    assert "colonne_ajoutee" not in empty_table(key).columns
