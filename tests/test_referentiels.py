"""Reference tables (diversification.inputs.referentiels) and their consistency."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from diversification.inputs import paths
from diversification.inputs.referentiels import (
    check_referentiels,
    list_referentiels,
    load_referentiel,
    split_list,
)
from diversification.inputs.schemas import AGE_BANDS, QUALIFICATION_LEVELS

SEGMENT_IDS = [
    "btp_gros_oeuvre", "btp_second_oeuvre", "btp_vrd_travaux_publics", "espaces_verts", "nettoyage_locaux",
    "prestations_intellectuelles", "informatique_numerique", "dechets_proprete_urbaine",
    "communication_media_culture", "fournitures", "transports_mobilites", "services_entreprises_particuliers",
    "securite_gardiennage", "portage_repas", "restauration", "blanchisserie_nettoyage_vetements",
    "administratif_impression_numerisation", "periscolaire_animation", "maintenance_reparation",
    "sante_action_sociale", "autres_services",
]
HISTORICAL_GROUPS = {
    "btp_gros_oeuvre": "construction",
    "btp_second_oeuvre": "construction",
    "btp_vrd_travaux_publics": "construction",
    "espaces_verts": "espaces verts",
    "nettoyage_locaux": "nettoyage",
}
PUBLIC_IDS = {
    "femmes", "travailleurs_handicapes", "seniors", "jeunes_diplomes", "jeunes_peu_qualifies", "deld", "brsa",
    "residents_qpv",
}


def test_shipped_tables_have_no_problem():
    assert check_referentiels() == []


def test_list_referentiels():
    names = list_referentiels()
    assert names == sorted(names)
    assert {
        "cpv_segments", "fap_rome", "federations_formation", "parametres", "publics",
        "references_juridiques", "secteurs_structures", "segments", "seuils",
    } <= set(names)
    assert "dictionnaire" not in names and "versions" not in names


def test_list_referentiels_of_another_folder(tmp_path):
    (tmp_path / "b.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "versions.csv").write_text("table\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("", encoding="utf-8")
    assert list_referentiels(tmp_path) == ["a", "b"]


def test_segment_ids_are_exactly_the_expected_ones():
    segments = load_referentiel("segments")
    assert segments["segment_id"].tolist() == SEGMENT_IDS


def test_historical_segments_and_groups():
    segments = load_referentiel("segments").set_index("segment_id")
    assert segments["historique"].dtype == bool
    assert set(segments.index[segments["historique"]]) == set(HISTORICAL_GROUPS)
    for sid, group in HISTORICAL_GROUPS.items():
        assert segments.loc[sid, "groupe"] == group
        assert segments.loc[sid, "famille_fiche_c1"] == "historique"
    others = segments[~segments["historique"]]
    assert set(others["groupe"]) == {"diversification"}


def test_rome_codes_and_labour_shares():
    segments = load_referentiel("segments")
    assert segments["part_main_oeuvre_min"].dtype == float
    for row in segments.itertuples(index=False):
        codes = split_list(row.codes_rome)
        assert codes, row.segment_id
        assert all(re.fullmatch(r"^[A-N]\d{4}$", c) for c in codes), row.segment_id
        assert 0 <= row.part_main_oeuvre_min <= row.part_main_oeuvre_max <= 1, row.segment_id
        assert set(split_list(row.publics)) <= PUBLIC_IDS


def test_every_segment_has_a_cpv_prefix_fap_trade_and_ecosystem():
    cpv = load_referentiel("cpv_segments")
    fap = load_referentiel("fap_rome")
    fed = load_referentiel("federations_formation")
    sectors = load_referentiel("secteurs_structures")
    for sid in SEGMENT_IDS:
        assert (cpv["segment_id"] == sid).any(), sid
        assert (fap["segment_id"] == sid).any(), sid
        assert (fed["segment_id"] == sid).any(), sid
    assert len(fap) >= 60
    assert len(sectors) >= 40
    assert fap["transition_ecologique"].dtype == bool
    assert fap["transition_ecologique"].any()
    assert cpv["prefixe_cpv"].is_unique


def test_load_returns_a_copy():
    first = load_referentiel("seuils")
    first.loc[0, "seuil_ht"] = -1.0
    second = load_referentiel("seuils")
    assert second.loc[0, "seuil_ht"] > 0
    assert dict(zip(second["nature"], second["seuil_ht"])) == {
        "travaux": 150000.0, "services": 40000.0, "fournitures": 90000.0,
    }


def test_unknown_table_raises_french_error():
    with pytest.raises(FileNotFoundError, match="référentiel introuvable"):
        load_referentiel("nexistepas")


# --- publics: the identification rules run on small tables built by hand ------------

def _suivi_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sexe": ["F", "H", "F", "H", "F"],
            "tranche_age": [AGE_BANDS[0], AGE_BANDS[0], AGE_BANDS[2], AGE_BANDS[1], AGE_BANDS[0]],
            "niveau_qualification": [
                QUALIFICATION_LEVELS[3], QUALIFICATION_LEVELS[0], QUALIFICATION_LEVELS[2],
                QUALIFICATION_LEVELS[1], QUALIFICATION_LEVELS[1],
            ],
            "rqth": pd.array([False, True, False, False, True], dtype="boolean"),
            "qpv": pd.array([True, True, False, False, False], dtype="boolean"),
            "statut": ["jeune", "DELD", "senior", "BRSA", "TH"],
        }
    )


def _demandeurs_fixture() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sexe": ["F", "H", "H"],
            "tranche_age": [AGE_BANDS[2], AGE_BANDS[0], AGE_BANDS[0]],
            "niveau_qualification": [QUALIFICATION_LEVELS[4], QUALIFICATION_LEVELS[4], QUALIFICATION_LEVELS[0]],
            "anciennete": ["un an ou plus", "moins d'un an", "un an ou plus"],
            "rqth": pd.array([False, False, True], dtype="boolean"),
            "brsa": pd.array([True, False, False], dtype="boolean"),
            "qpv": pd.array([False, True, True], dtype="boolean"),
            "effectif": [10, 20, 30],
        }
    )


# Expected row positions, computed by hand from the fixtures above.
EXPECTED_SUIVI = {
    "femmes": [0, 2, 4],
    "travailleurs_handicapes": [1, 4],
    "seniors": [2],
    "jeunes_diplomes": [0],
    "jeunes_peu_qualifies": [1, 4],
    "deld": [1],
    "brsa": [3],
    "residents_qpv": [0, 1],
}
EXPECTED_DEMANDEURS = {
    "femmes": [0],
    "travailleurs_handicapes": [2],
    "seniors": [0],
    "jeunes_diplomes": [1],
    "jeunes_peu_qualifies": [2],
    "deld": [0, 2],
    "brsa": [0],
    "residents_qpv": [1, 2],
}


def test_public_ids_are_exactly_the_expected_ones():
    assert set(load_referentiel("publics")["public_id"]) == PUBLIC_IDS


@pytest.mark.parametrize("public_id", sorted(PUBLIC_IDS))
def test_public_rules_select_the_right_rows(public_id):
    publics = load_referentiel("publics").set_index("public_id")
    suivi = _suivi_fixture()
    demandeurs = _demandeurs_fixture()
    selected = suivi.query(publics.loc[public_id, "regle_suivi"])
    assert list(selected.index) == EXPECTED_SUIVI[public_id]
    selected = demandeurs.query(publics.loc[public_id, "regle_demandeurs"])
    assert list(selected.index) == EXPECTED_DEMANDEURS[public_id]


# --- check_referentiels finds the problems of a damaged copy --------------------------

@pytest.fixture()
def damaged_copy(tmp_path):
    target = tmp_path / "referentiels"
    shutil.copytree(paths.REFERENTIELS_DIR, target)
    return target


def _rewrite(folder, name, transform):
    path = folder / f"{name}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    transform(frame)
    frame.to_csv(path, index=False)


def test_check_finds_unknown_segment_bad_prefix_and_duplicates(damaged_copy):
    def damage(frame):
        frame.loc[0, "segment_id"] = "segment_fantome"
        frame.loc[1, "prefixe_cpv"] = "9A"
        frame.loc[2, "prefixe_cpv"] = frame.loc[3, "prefixe_cpv"]

    _rewrite(damaged_copy, "cpv_segments", damage)
    problems = check_referentiels(damaged_copy)
    assert "cpv_segments ligne 2 : segment inconnu « segment_fantome »" in problems
    assert "cpv_segments ligne 3 : préfixe « 9A » : 2 à 8 chiffres attendus" in problems
    assert "cpv_segments : doublon de prefixe_cpv : 15" in problems
    assert "cpv_segments : division CPV 09 sans correspondance" in problems  # overwritten by "9A"
    assert "cpv_segments : division CPV 14 sans correspondance" in problems  # overwritten by "15"


def test_check_finds_missing_status_source_and_bad_rome(damaged_copy):
    def damage(frame):
        frame.loc[0, "statut"] = "probable"
        frame.loc[1, "source"] = ""
        frame.loc[2, "codes_rome"] = "F1703|Z9999"
        frame.loc[3, "part_main_oeuvre_min"] = "0.9"

    _rewrite(damaged_copy, "segments", damage)
    problems = check_referentiels(damaged_copy)
    assert "segments ligne 2 : statut « probable » hors liste (source, hypothèse, à vérifier)" in problems
    assert "segments ligne 3 : source manquante" in problems
    assert "segments : btp_vrd_travaux_publics : code ROME invalide « Z9999 »" in problems
    assert "segments : espaces_verts : parts de main-d'œuvre incohérentes (0.9 – 0.75)" in problems


def test_check_finds_bad_public_rule_and_undocumented_column(damaged_copy):
    def damage(frame):
        frame.loc[0, "regle_suivi"] = 'genre == "F"'
        frame["colonne_en_trop"] = "x"

    _rewrite(damaged_copy, "publics", damage)
    problems = check_referentiels(damaged_copy)
    assert any(p.startswith("publics : femmes : regle_suivi : règle illisible") for p in problems)
    assert "publics : colonne « colonne_en_trop » absente du dictionnaire" in problems


# --- the assumptions document lists every estimate ---------------------------------

def test_hypotheses_document_mentions_every_estimate():
    text = (paths.REFERENTIELS_DIR / "HYPOTHESES.md").read_text(encoding="utf-8")
    for sid in SEGMENT_IDS:
        assert f"`{sid}`" in text, sid
    for name in ("references_juridiques", "publics", "fap_rome"):
        table = load_referentiel(name)
        key = table.columns[0]
        for value in table.loc[table["statut"] == "à vérifier", key]:
            assert f"`{value}`" in text, (name, value)
    for row in load_referentiel("parametres").itertuples(index=False):
        assert f"`{row.parametre}`" in text


# --- typed loading, on a tiny folder --------------------------------------------------

def _tiny_folder(tmp_path, flag="true"):
    (tmp_path / "dictionnaire.csv").write_text(
        "table,champ,type,titre,description\n"
        "mini,nom,texte,Nom,Nom.\nmini,actif,booléen,Actif,Actif.\n"
        "mini,part,nombre,Part,Part.\nmini,annee,entier,Année,Année.\n",
        encoding="utf-8",
    )
    (tmp_path / "mini.csv").write_text(f"nom,actif,part,annee\na,{flag},\"0.5\",2024\nb,false,1,2025\n", encoding="utf-8")
    return tmp_path


def test_load_types_from_dictionary(tmp_path):
    frame = load_referentiel("mini", _tiny_folder(tmp_path))
    assert frame["actif"].tolist() == [True, False]
    assert frame["actif"].dtype == bool
    assert frame["part"].tolist() == [0.5, 1.0]
    assert frame["part"].dtype == float
    assert frame["annee"].tolist() == [2024, 2025]
    assert str(frame["annee"].dtype) == "Int64"
    assert frame["nom"].tolist() == ["a", "b"]


def test_load_rejects_a_bad_boolean_in_french(tmp_path):
    with pytest.raises(ValueError, match="référentiel mini : valeur « peut-être » de la colonne actif"):
        load_referentiel("mini", _tiny_folder(tmp_path, flag="peut-être"))


def test_rome_table_labels_every_trade_of_the_kit():
    """Every ROME fiche (v3.47: 531) with its label; every ROME code of the segments and of fap_rome is in it."""
    from diversification.indicators.demand import rome_labels

    rome = load_referentiel("rome")
    assert len(rome) == 531 and rome["code_rome"].is_unique
    labels = rome_labels()
    assert labels["E1201"] == "Photographie" and labels["K2204"] == "Nettoyage de locaux"
    segments = load_referentiel("segments")
    used = {c for v in segments["codes_rome"] for c in str(v).split("|")} | set(load_referentiel("fap_rome")["code_rome"])
    assert used - set(labels) == set()


def test_unknown_rome_code_of_a_segment_is_a_problem(tmp_path):
    import shutil

    from diversification.inputs import paths

    for f in paths.REFERENTIELS_DIR.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    rome = (tmp_path / "rome.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "rome.csv").write_text("\n".join(l for l in rome if not l.startswith("E1201,")) + "\n", encoding="utf-8")
    assert check_referentiels(tmp_path) == ["segments : code ROME « E1201 » absent de la table rome"]


def test_sheet_names_of_the_dictionary_are_valid_excel_names(tmp_path):
    import shutil

    from diversification.inputs.referentiels import sheet_name, sheet_names

    names = sheet_names()
    assert names["decision_segments_prioritaires"] == "Classement des segments"
    assert sheet_name("acheteur", rang=12) == "Acheteur 12"
    assert all(len(n.replace("{rang}", "999")) <= 31 for n in names.values())
    with pytest.raises(KeyError, match="aucun nom de feuille Excel pour « inconnue »"):
        sheet_name("inconnue")
    copy = tmp_path / "ref"
    shutil.copytree(paths.REFERENTIELS_DIR, copy)
    path = copy / "dictionnaire.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Heures par segment,", "Heures d'insertion par segment d'achat,")
    text = text.replace("Lignes par année,", "Lignes / année,")
    text = text.replace("Plan d'actions,", "Marchés cibles,")
    path.write_text(text, encoding="utf-8")
    problems = check_referentiels(copy)
    assert ("dictionnaire.csv : feuille « Heures d'insertion par segment d'achat » (etat_des_lieux_heures_segment) : "
            "plus de 31 caractères") in problems
    assert "dictionnaire.csv : feuille « Lignes / année » (controle_couverture_annees) : caractère refusé par Excel" in problems
    assert "dictionnaire.csv : feuille « Marchés cibles » en double (decision_marches_cibles et plan_actions_partenariat)" in problems


def test_column_labels_put_a_table_s_own_labels_over_the_shown_columns_and_each_call_gets_its_copy(tmp_path):
    import shutil

    from diversification.inputs.referentiels import column_labels

    shown = column_labels()
    assert shown["libelle"] == "Libellé" and shown["segment_id"] == "Identifiant du segment"
    # the reference table « segments » names its own « libelle »; the other shown columns stay
    labels = column_labels("segments")
    assert labels["libelle"] == "Segment d'achat" and labels["segment_id"] == "Identifiant du segment"
    labels["libelle"] = "changé par un appelant"
    assert column_labels("segments")["libelle"] == "Segment d'achat"
    assert column_labels("table_inconnue") == shown
    # another folder of reference tables is read as it is
    copy = tmp_path / "ref"
    shutil.copytree(paths.REFERENTIELS_DIR, copy)
    path = copy / "dictionnaire.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "segments,libelle,texte,Segment d'achat,", "segments,libelle,texte,Segment,"), encoding="utf-8")
    assert column_labels("segments", copy)["libelle"] == "Segment"
    assert column_labels("segments")["libelle"] == "Segment d'achat"
