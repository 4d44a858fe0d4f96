import pytest

from diversification.inputs.siret import complete_luhn, luhn_ok, normalize_siret, row_problems, siret_problem


@pytest.mark.parametrize("siret", ["44090956200041", "13001845000028", "21974022200019", "652 650 219 00023"])
def test_real_sirets_are_valid(siret):
    assert siret_problem(siret) is None


def test_bad_key_is_reported_in_french():
    assert siret_problem("44090956200042") == "SIRET invalide : clé de contrôle (Luhn) fausse"


@pytest.mark.parametrize("value", ["1234", "ABCDEFGHIJKLMN", "440909562000411"])
def test_wrong_length(value):
    assert siret_problem(value) == "SIRET invalide : 14 chiffres attendus"


def test_la_poste_rule():
    # La Poste's establishments: sum of digits multiple of 5 (356000000 + 5 digits)
    assert siret_problem("35600000049837") is None  # digit sum 45, fails Luhn
    assert siret_problem("35600000000048") is None  # head office: passes Luhn


def test_complete_luhn_and_normalize():
    siret = complete_luhn("1234567890123")
    assert len(siret) == 14 and luhn_ok(siret)
    assert normalize_siret("440 909 562 00041") == "44090956200041"
    assert normalize_siret("44090956200041.0") == "44090956200041"
    assert normalize_siret("  ") is None


def test_row_problems_give_each_value_its_reason_in_order():
    # the same value twice (written two ways), a bad key, a wrong length, La Poste's rule, a float read by Excel
    values = ["44090956200042", "440 909 562 00041", "1234", "44090956200041", "35600000049837", 44090956200041.0]
    luhn, length = "SIRET invalide : clé de contrôle (Luhn) fausse", "SIRET invalide : 14 chiffres attendus"
    assert row_problems(values) == [luhn, None, length, None, None, None]
    assert row_problems(values) == [siret_problem(v) for v in values]
    assert row_problems([]) == []
