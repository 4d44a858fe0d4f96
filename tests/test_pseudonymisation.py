import os
import re
import stat

import pandas as pd
import pytest

from diversification.inputs.errors import InputError
from diversification.inputs.pseudonymisation import (
    SALT_FILE_NAME,
    find_direct_identifier_columns,
    load_or_create_salt,
    pseudonymize_series,
)

ZERO_SALT = bytes(32)
ONE_SALT = bytes([1]) * 32


def test_salt_created_once_with_owner_only_permissions(tmp_path):
    salt = load_or_create_salt(tmp_path)
    path = tmp_path / SALT_FILE_NAME
    assert len(salt) == 32
    assert path.read_text().strip() == salt.hex()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # second use: same secret, file unchanged
    assert load_or_create_salt(tmp_path) == salt
    assert path.read_text().strip() == salt.hex()


def test_two_territories_get_different_salts(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert load_or_create_salt(tmp_path / "a") != load_or_create_salt(tmp_path / "b")


def test_existing_salt_is_read_and_permissions_tightened(tmp_path):
    path = tmp_path / SALT_FILE_NAME
    path.write_text("ab" * 32 + "\n")
    os.chmod(path, 0o644)
    assert load_or_create_salt(tmp_path) == bytes([0xAB]) * 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("content", ["", "zz" * 32, "ab" * 31, "ab" * 33])
def test_corrupt_salt_is_refused_in_french(tmp_path, content):
    (tmp_path / SALT_FILE_NAME).write_text(content)
    with pytest.raises(InputError, match="corrompu"):
        load_or_create_salt(tmp_path)
    # never replaced silently
    assert (tmp_path / SALT_FILE_NAME).read_text() == content


def test_missing_territory_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="n'existe pas"):
        load_or_create_salt(tmp_path / "absent")


def test_pseudonym_is_hmac_sha256_prefix():
    # reference values computed with `openssl dgst -sha256 -mac HMAC`
    out = pseudonymize_series(pd.Series(["42", " ABC-7 "]), ZERO_SALT)
    assert out.iloc[0] == "P-96ce0a5a8208370ab4ab"
    out_one = pseudonymize_series(pd.Series([" ABC-7 "]), ONE_SALT)
    assert out_one.iloc[0] == "P-0d6ba890d41cd24927b1"


def test_pseudonyms_stable_keyed_and_missing_kept():
    ids = pd.Series(["A1", "A1 ", None, "", "B2", 1234.0, 1234], index=[10, 11, 12, 13, 14, 15, 16], name="participant_id")
    first = pseudonymize_series(ids, ZERO_SALT)
    again = pseudonymize_series(ids, ZERO_SALT)
    other = pseudonymize_series(ids, ONE_SALT)
    assert first.equals(again)
    assert list(first.index) == [10, 11, 12, 13, 14, 15, 16]
    assert first.name == "participant_id"
    assert first[10] == first[11]  # stripped
    assert first[10] != first[14]
    assert first[15] == first[16]  # 1234.0 from a spreadsheet is the id 1234
    assert first[[12, 13]].isna().all()
    assert other[10] != first[10]
    assert all(re.fullmatch(r"P-[0-9a-f]{20}", p) for p in first.dropna())
    # the input is not modified
    assert ids[11] == "A1 "


def test_short_salt_refused():
    with pytest.raises(ValueError):
        pseudonymize_series(pd.Series(["x"]), b"short")


def test_find_direct_identifier_columns():
    columns = [
        "Nom",
        "Prénom",
        "Date de naissance",
        "E-mail",
        "Téléphone",
        "N° de sécurité sociale",
        "NIR",
        "Identifiant France Travail",
        "acheteur_nom",
        "nom_metier_bmo",
        "participant_id",
        "sexe",
        "Heures réalisées",
    ]
    assert find_direct_identifier_columns(columns) == [
        "Nom",
        "Prénom",
        "Date de naissance",
        "E-mail",
        "Téléphone",
        "N° de sécurité sociale",
        "NIR",
        "Identifiant France Travail",
    ]
    assert find_direct_identifier_columns(["annee", "sexe"]) == []
