"""Tests of the DECP loader (diversification.inputs.decp) on real files and small fixtures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from diversification.inputs.decp import DECP_COLUMNS, load_decp, load_decp_file, rejected_contracts
from diversification.inputs.errors import (
    ACTION_AMOUNT_UPDATED,
    ACTION_DUPLICATE_REMOVED,
    ACTION_EXCLUDED_FROM_TOTALS,
    ACTION_ROW_REJECTED,
    ACTION_VALUE_FLAGGED,
    InputError,
)

FIXTURES = Path(__file__).parent / "fixtures"
DECP = FIXTURES / "decp"
REAL = FIXTURES / "decp_reels"
REAL_2024 = REAL / "decp-13001845000028-2024-02-29-01.json"
REAL_2019 = REAL / "decp_test_2019.json"
TODAY = date(2025, 6, 30)
BUYER_A = "21750001600019"
BUYER_B = "21593000700012"


def load(name: str | Path, **kwargs):
    path = name if isinstance(name, Path) else DECP / name
    return load_decp_file(path, today=TODAY, **kwargs)


def rejects(result, action: str | None = None) -> pd.DataFrame:
    frame = result.rejects.to_frame()
    return frame if action is None else frame.loc[frame["action"] == action].reset_index(drop=True)


def assert_every_contract_accounted(result) -> None:
    assert result.rows_read == len(result.table) + rejected_contracts(result)


def row(result, contract_id: str) -> pd.Series:
    match = result.table.loc[result.table["id"] == contract_id]
    assert len(match) == 1, contract_id
    return match.iloc[0]


# --- real files --------------------------------------------------------------------------------


def test_real_2024_flat_file():
    result = load(REAL_2024)
    assert list(result.table.columns) == DECP_COLUMNS
    assert result.rows_read == 1 and len(result.table) == 1
    r = result.table.iloc[0]
    assert r["id"] == "2024_D2F_2023S12323_33 962_01"
    assert r["uid"] == "13001845000028" + "2024_D2F_2023S12323_33 962_01"
    assert r["acheteur_id"] == "13001845000028"
    assert r["nature"] == "Marché de défense ou de sécurité"
    assert r["montant"] == 952543.75 and r["montant_final"] == 952543.75
    assert bool(r["montant_valide"]) is True
    assert r["codeCPV"] == "72210000"
    assert r["nature_achat"] == "services"
    assert r["consideration_sociale"] == "non"
    assert r["considerationsSociales"] == "Pas de considération sociale"  # an empty published list
    assert bool(r["clause_sociale"]) is False and bool(r["marche_reserve"]) is False
    assert r["lieuExecution_code"] == "93" and r["lieuExecution_typeCode"] == "Code département"
    assert r["dureeMois"] == 15 and r["annee"] == 2024
    assert r["dateNotification"] == pd.Timestamp("2024-01-02")
    assert r["titulaire_id"] == "44090956200041" and bool(r["titulaire_siret_valide"]) is True
    assert r["formePrix"] == "Forfaitaire" and r["nb_modifications"] == 0
    assert r["format_source"] == "2024 plat"
    assert "’" in r["objet"]  # curly apostrophe kept as published
    assert r["ligne"] == 1
    assert result.rejects.to_frame().empty
    assert_every_contract_accounted(result)


def test_real_2019_file():
    result = load(REAL_2019)
    assert result.rows_read == 2 and len(result.table) == 2
    first, second = row(result, "2019_83935401"), row(result, "2019-VI2022.242")
    # Buyer given as a dotted key "acheteur.id"; uid as published.
    assert first["acheteur_id"] == "21500222100012"
    assert first["uid"] == "21500222100012202183935401"
    assert first["montant"] == 77899.0 and first["montant_final"] == 79237.0
    assert first["nb_modifications"] == 1
    assert first["lieuExecution_code"] == "50340" and first["lieuExecution_typeCode"] == "Code postal"
    assert first["titulaire_nom"] == "AMC FOLLIOT"
    assert first["nature_achat"] == "travaux"
    # Second: CPV with check digit, "NC" duration, a TVA holder kept, modification with wrapper.
    assert second["codeCPV"] == "45316110"
    assert pd.isna(second["dureeMois"])
    assert second["titulaires_ids"] == "34027049500021|99999999999"
    assert second["nb_titulaires"] == 2
    assert second["montant_final"] == 137614.0 and second["nb_modifications"] == 1
    assert second["uid"] == "21974022200019" + "2019-VI2022.242"
    for r in (first, second):
        assert r["consideration_sociale"] == "inconnue"
        assert pd.isna(r["clause_sociale"]) and pd.isna(r["marche_reserve"])
        assert r["format_source"] == "2019"
    updated = rejects(result, ACTION_AMOUNT_UPDATED)
    assert len(updated) == 1
    assert updated.loc[0, "ligne"] == 1 and updated.loc[0, "colonne"] == "modifications.montant"
    assert "77\u202f899\u202f€" in updated.loc[0, "motif"] and "79\u202f237\u202f€" in updated.loc[0, "motif"]
    assert "2022-11-23" in updated.loc[0, "motif"]
    assert any("inconnue" in n and "non" in n for n in result.notices)
    assert_every_contract_accounted(result)


def test_both_real_files_together():
    result = load_decp([REAL_2024, REAL_2019], today=TODAY)
    assert result.rows_read == 3 and len(result.table) == 3
    assert result.table["montant_final"].sum() == pytest.approx(952543.75 + 79237 + 137614)
    assert_every_contract_accounted(result)


# --- 2024 schema -------------------------------------------------------------------------------


def test_nested_2024_fixture():
    result = load("decp_2024_imbrique.json")
    assert result.rows_read == 5 and len(result.table) == 4
    t = result.table
    assert list(t["format_source"].unique()) == ["2024 imbriqué"]
    assert list(t["consideration_sociale"]) == ["oui", "oui", "non", "non"]
    assert list(t["clause_sociale"]) == [True, False, False, False]
    assert list(t["critere_social"]) == [True, False, False, False]
    assert list(t["marche_reserve"]) == [False, True, False, False]
    assert list(t["nature_achat"]) == ["travaux", "services", "fournitures", "fournitures"]
    first = row(result, "2024-001")
    assert first["codeCPV"] == "45000000"
    assert first["considerationsSociales"] == "Clause sociale|Critère social"
    # Latest modification by notification date (listed first, id 2), not the last in the list.
    assert first["montant"] == 575000 and first["montant_final"] == 610000.5
    assert first["nb_modifications"] == 2
    second = row(result, "2024-002")
    assert second["titulaires_ids"] == "38022556600013|41352147800011" and second["nb_titulaires"] == 2
    assert second["titulaire_id"] == "38022556600013"
    assert second["idAccordCadre"] == "AC-2023-7"
    tva = row(result, "2024-004")
    assert tva["titulaire_typeIdentifiant"] == "TVA" and pd.isna(tva["titulaire_siret_valide"])
    assert tva["considerationsSociales"] == "Pas de considération sociale" and tva["consideration_sociale"] == "non"
    concession = rejects(result, ACTION_ROW_REJECTED)
    assert list(concession["ligne"]) == [5]
    assert "contrat de concession" in concession.loc[0, "motif"]
    assert_every_contract_accounted(result)


def test_flat_2024_fixture():
    result = load("decp_2024_plat.json")
    assert result.rows_read == 2 and len(result.table) == 2
    first, second = row(result, "P-2024-01"), row(result, "P-2024-02")
    assert first["format_source"] == "2024 plat"
    assert first["codeCPV"] == "71000000" and first["nature_achat"] == "services"
    assert first["montant"] == 310000.4 and first["montant_final"] == 335000
    assert first["clause_sociale"] and not first["critere_social"]
    assert second["montant"] == 85000  # amount given as a string
    assert pd.isna(second["dureeMois"])
    assert second["critere_social"] and second["marche_reserve"] and not second["clause_sociale"]
    assert second["nature"] == "Marché de partenariat"
    assert_every_contract_accounted(result)


def test_marches_as_a_single_contract(tmp_path):
    path = tmp_path / "un_marche.json"
    path.write_text(
        '{"marches": {"id": "U-1", "acheteur": {"id": "21750001600019"}, "codeCPV": "45000000",'
        ' "dateNotification": "2024-01-10", "montant": 1000, "considerationsSociales": ["Clause sociale"]}}',
        encoding="utf-8",
    )
    result = load(path)
    assert result.rows_read == 1 and list(result.table["id"]) == ["U-1"]
    assert result.table.loc[0, "consideration_sociale"] == "oui"


# --- CSV export --------------------------------------------------------------------------------


def test_csv_export_comma():
    result = load("decp_export.csv")
    assert result.rows_read == 3 and len(result.table) == 3
    assert set(result.table["format_source"]) == {"CSV"}
    u1 = row(result, "C2023-11")
    # Four lines (2 holders × 2 versions) make one contract; the objet holds a newline, so each
    # line spans two physical lines and the initial version starts on line 6.
    assert u1["ligne"] == 6
    assert u1["montant"] == 200000 and u1["montant_final"] == 230000
    assert u1["dateNotification"] == pd.Timestamp("2023-06-01")
    assert u1["nb_modifications"] == 1
    assert u1["titulaires_ids"] == "55204599900869|38022556600013" and u1["nb_titulaires"] == 2
    assert u1["considerationsSociales"] == "Clause sociale|Critère social"
    assert u1["clause_sociale"] and u1["critere_social"] and not u1["marche_reserve"]
    assert u1["objet"] == "Restauration scolaire, lot 2 :\nrepas en liaison froide"
    m77 = row(result, "M-77")
    assert m77["ligne"] == 10 and m77["codeCPV"] == "30197630" and m77["nature_achat"] == "fournitures"
    assert m77["consideration_sociale"] == "non"  # « Sans objet » written by decp-processing
    assert m77["montant"] == 15000.5
    t12 = row(result, "T-12")
    assert t12["ligne"] == 11 and t12["consideration_sociale"] == "inconnue" and pd.isna(t12["dureeMois"])
    assert t12["idAccordCadre"] == "AC-9"
    updated = rejects(result, ACTION_AMOUNT_UPDATED)
    assert list(updated["ligne"]) == [6]
    assert_every_contract_accounted(result)


def test_csv_export_semicolon_cp1252_decimal_comma():
    result = load("decp_export_pointvirgule.csv")
    assert any("Windows-1252" in n for n in result.notices)
    assert any("point-virgule" in n for n in result.notices)
    assert result.rows_read == 4 and len(result.table) == 4  # the contract without a CPV code is kept
    a1, a2, a3 = row(result, "A1"), row(result, "A2"), row(result, "A3")
    assert a1["montant"] == pytest.approx(1234567.89) and pd.isna(a1["dureeMois"])
    assert a1["uid"] == BUYER_A + "A1" and a1["codeCPV"] == "79620000"
    assert a1["objet"] == "Accompagnement à l'insertion" and a1["titulaire_nom"] == "ÉTUDES ET CONSEIL"
    assert pd.isna(a2["montant"]) and not a2["montant_valide"]
    assert a2["consideration_sociale"] == "inconnue"
    assert a3["montant"] == 12.5 and a3["dateNotification"] == pd.Timestamp("2024-03-15")
    assert a3["consideration_sociale"] == "non"
    assert rejects(result, ACTION_ROW_REJECTED).empty
    no_cpv = rejects(result, ACTION_VALUE_FLAGGED)
    assert list(no_cpv["ligne"]) == [5] and no_cpv.loc[0, "colonne"] == "codeCPV"
    assert no_cpv.loc[0, "motif"].startswith("code CPV absent : marché conservé sous « segment indéterminé »")
    a4 = result.table.loc[result.table["ligne"] == 5].iloc[0]
    assert pd.isna(a4["codeCPV"]) and pd.isna(a4["nature_achat"])
    flagged = rejects(result, ACTION_EXCLUDED_FROM_TOTALS)
    assert list(flagged["ligne"]) == [3] and flagged.loc[0, "colonne"] == "montant"
    assert_every_contract_accounted(result)


def test_csv_repeated_and_malformed_lines(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "uid;id;acheteur_id;titulaire_id;titulaire_typeIdentifiant;montant;codeCPV;dateNotification\n"
        "U1;1;21750001600019;55204599900869;SIRET;100;45000000;2024-01-01\n"
        "U1;1;21750001600019;55204599900869;SIRET;100;45000000;2024-01-01\n"
        "U2;2;21750001600019;55204599900869;SIRET;100;45000000;2024-01-01;de;trop\n"
        "U3;3;21750001600019;552 045 999 00869;SIRET;100;45000000;2024-01-01\n",
        encoding="utf-8-sig",
    )
    result = load(path)
    assert result.rows_read == 4 and list(result.table["uid"]) == ["U1", "U3"]
    assert list(result.table["ligne"]) == [2, 5]
    assert result.table.loc[1, "titulaire_id"] == "55204599900869"
    dup = rejects(result, ACTION_DUPLICATE_REMOVED)
    assert list(dup["ligne"]) == [3] and "ligne 2" in dup.loc[0, "motif"]
    bad = rejects(result, ACTION_ROW_REJECTED)
    assert list(bad["ligne"]) == [4] and "10 champ(s) au lieu de 8" in bad.loc[0, "motif"]
    assert_every_contract_accounted(result)


def test_csv_without_required_column(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("id;acheteur_id;montant\n1;21750001600019;100\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"export\.csv.*« dateNotification »"):
        load(path)


# --- whole-file defects ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, pattern",
    [
        ("tronque.json", r"« tronque\.json » est un JSON tronqué.*ligne 4, colonne 41"),
        ("pas_json.json", r"« pas_json\.json » n'est pas au format JSON.*ligne 1, colonne 1"),
        ("vide.json", r"« vide\.json » est vide"),
        ("schema_inconnu.json", r"« schema_inconnu\.json » n'a pas le schéma attendu : clé « marches » absente"),
        ("marches_objet_bizarre.json", r"« marches » est un objet qui n'est ni .*clés trouvées : « liste », « total »"),
    ],
)
def test_unusable_files(name, pattern):
    with pytest.raises(InputError, match=pattern):
        load(name)


def test_truncated_between_values(tmp_path):
    path = tmp_path / "coupe.json"
    path.write_text('{"marches": [{"id": "1", "montant": 12},\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"JSON tronqué.*ligne 2, colonne 1"):
        load(path)


def test_missing_file():
    with pytest.raises(InputError, match="introuvable"):
        load("absent.json")


# --- contract-level defects --------------------------------------------------------------------


def test_zero_and_absurd_amounts():
    result = load("montants.json")
    assert result.rows_read == 6 and len(result.table) == 6  # kept for counts
    assert list(result.table["montant_valide"]) == [False, False, False, False, False, True]
    flagged = rejects(result, ACTION_EXCLUDED_FROM_TOTALS)
    assert list(flagged["ligne"]) == [1, 2, 3, 4, 5]
    assert set(flagged["colonne"]) == {"montant"}
    motifs = list(flagged["motif"])
    assert motifs[0].startswith("montant « 0 » nul")
    assert motifs[1].startswith("montant « 0.5 » inférieur à 1 €")
    assert motifs[2].startswith("montant « 5000000000 » supérieur à 3 milliards d'euros")
    assert motifs[3].startswith("montant absent") and motifs[4].startswith("montant absent")
    valid = result.table.loc[result.table["montant_valide"].astype(bool), "montant_final"]
    assert valid.sum() == 1500
    assert_every_contract_accounted(result)


def test_invalid_siret_is_flagged_and_kept():
    result = load("siret_invalide.json")
    assert len(result.table) == 4
    assert list(result.table["titulaire_siret_valide"].astype("object").fillna("NA")) == [False, False, "NA", True]
    assert row(result, "S-4")["titulaire_id"] == "55204599900869"  # spaces removed from a SIRET
    assert row(result, "S-3")["titulaire_id"] == "FR40303265045"
    flagged = rejects(result, ACTION_VALUE_FLAGGED)
    assert list(flagged["ligne"]) == [1, 2] and set(flagged["colonne"]) == {"titulaire_id"}
    assert flagged.loc[0, "valeur"] == "12345678901234"
    assert flagged.loc[0, "motif"].startswith("SIRET invalide : clé de contrôle (Luhn) fausse (« 12345678901234 »)")
    assert flagged.loc[1, "motif"].startswith("SIRET invalide : 14 chiffres attendus (« 868768687576575 »)")
    assert_every_contract_accounted(result)


def test_invalid_cpv_keeps_the_contract_under_the_indeterminate_segment():
    result = load("cpv_invalide.json")
    assert list(result.table["id"]) == ["C-1", "C-2", "C-3"]
    assert list(result.table["codeCPV"].fillna("")) == ["", "", "45210000"]
    assert rejects(result, ACTION_ROW_REJECTED).empty
    flagged = rejects(result, ACTION_VALUE_FLAGGED)
    assert list(flagged["ligne"]) == [1, 2] and set(flagged["colonne"]) == {"codeCPV"}
    assert flagged.loc[0, "motif"].startswith(
        "code CPV « 4521000 » invalide (8 chiffres attendus, ex. 45000000 ou 45000000-7) : marché conservé sous "
        "« segment indéterminé »")
    assert flagged.loc[1, "valeur"] == "45A00000"
    assert_every_contract_accounted(result)


def test_dates_and_missing_keys():
    result = load("dates.json")
    assert result.rows_read == 6
    assert list(result.table["id"]) == ["D-6"]  # notified on `today`: not in the future
    rejected = rejects(result, ACTION_ROW_REJECTED).set_index("ligne")
    assert rejected.loc[1, "motif"] == (
        "date de notification « 2031-01-15 » postérieure à la date du jour (30/06/2025) ; marché rejeté"
    )
    assert rejected.loc[1, "colonne"] == "dateNotification"
    assert "« 2024-02-30 » impossible" in rejected.loc[2, "motif"]
    assert rejected.loc[3, "motif"] == "date de notification absente ; marché rejeté"
    assert rejected.loc[4, "colonne"] == "id" and "identifiant du marché (id) absent" in rejected.loc[4, "motif"]
    assert rejected.loc[5, "colonne"] == "acheteur_id"
    assert_every_contract_accounted(result)


def test_duplicates_within_and_across_files():
    result = load("doublons.json")
    assert result.rows_read == 4 and list(result.table["ligne"]) == [1, 3, 4]  # other amount: not a duplicate
    dup = rejects(result, ACTION_DUPLICATE_REMOVED)
    assert list(dup["ligne"]) == [2] and dup.loc[0, "valeur"] == "R-1"
    assert "(position 1)" in dup.loc[0, "motif"]
    assert_every_contract_accounted(result)

    both = load_decp([DECP / "doublons.json", DECP / "doublons_autre_fichier.json"], today=TODAY)
    assert both.rows_read == 5 and len(both.table) == 3
    across = rejects(both, ACTION_DUPLICATE_REMOVED)
    last = across.iloc[-1]
    assert last["fichier"] == "doublons_autre_fichier.json" and last["ligne"] == 1
    assert "position 4 du fichier « doublons.json »" in last["motif"]
    assert_every_contract_accounted(both)


def test_buyer_filter():
    result = load("decp_2024_imbrique.json", acheteurs={"217 500 016 00019"})
    assert list(result.table["id"]) == ["2024-001", "2024-002"]
    assert set(result.table["acheteur_id"]) == {BUYER_A}
    # Contracts of other buyers are set aside, not rejected (the concession stays rejected).
    assert result.rows_read == 3
    assert any("2 marché(s) d'autres acheteurs écarté(s)" in n for n in result.notices)
    assert list(rejects(result, ACTION_ROW_REJECTED)["ligne"]) == [5]
    assert_every_contract_accounted(result)


def test_every_fixture_accounts_for_every_contract():
    loaded = 0
    for path in sorted(DECP.iterdir()):
        try:
            result = load(path)
        except InputError:
            continue
        loaded += 1
        assert_every_contract_accounted(result)
    assert loaded == 10


def test_folder_and_empty_input():
    result = load_decp(REAL, today=TODAY)
    assert result.rows_read == 3 and len(result.files) == 2
    empty = load_decp([], today=TODAY)
    assert empty.status == "absente" and empty.table.empty and list(empty.table.columns) == DECP_COLUMNS
