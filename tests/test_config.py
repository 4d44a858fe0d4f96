"""Territory configuration: safe loading, French messages with line numbers and suggestions."""

import pytest

from diversification.inputs.config import load_config
from diversification.inputs.errors import ConfigError

VALID = """\
nom: "Territoire Test"
identifiant: territoire-test
annee: 2025
departements: ["9"]
acheteurs:
  - siret: "13001845000028"
    nom: "Préfecture Test"
    type: etat
    seuils: {travaux: 90000, services: 40000}
secret_statistique: {seuil: 7}
"""


def write(tmp_path, text):
    (tmp_path / "territoire.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_valid_configuration(tmp_path):
    config = load_config(write(tmp_path, VALID))
    assert config.nom == "Territoire Test"
    assert config.identifiant == "territoire-test"
    assert config.annee == 2025
    assert config.departements == ["09"]
    assert config.secret_threshold == 7
    assert config.buyer_sirets == {"13001845000028"}


def test_syntax_error_gives_the_line(tmp_path):
    text = VALID.replace("    type: etat", "    type: [etat")
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text))
    message = str(exc.value)
    assert message.startswith("territoire.yaml, ligne ")
    assert "erreur de syntaxe YAML" in message
    line = int(message.split("ligne ")[1].split(",")[0])
    assert 8 <= line <= 10


def test_unknown_key_suggests_the_closest(tmp_path):
    with pytest.raises(ConfigError, match="clé inconnue « seuil ».*Vouliez-vous dire « seuils » ?"):
        load_config(write(tmp_path, VALID + "seuil: {travaux: 1}\n"))


def test_unknown_nested_key_suggests(tmp_path):
    text = VALID.replace("secret_statistique: {seuil: 7}", "secret_statistique: {seuill: 7}")
    with pytest.raises(ConfigError, match="secret_statistique.seuill.*« secret_statistique.seuil »"):
        load_config(write(tmp_path, text))


def test_yaml_tags_are_refused_by_the_safe_loader(tmp_path):
    text = VALID + "description: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(ConfigError, match="erreur de syntaxe YAML"):
        load_config(write(tmp_path, text))


@pytest.mark.parametrize("ident", ["../../etc", "Métropole", "a/b", "", "UPPER"])
def test_identifier_that_could_escape_reports_is_refused(tmp_path, ident):
    text = VALID.replace("identifiant: territoire-test", f'identifiant: "{ident}"')
    with pytest.raises(ConfigError, match="identifiant"):
        load_config(write(tmp_path, text))


def test_bad_buyer_siret_and_type(tmp_path):
    with pytest.raises(ConfigError, match="Préfecture Test.*SIRET invalide"):
        load_config(write(tmp_path, VALID.replace("13001845000028", "13001845000029")))
    with pytest.raises(ConfigError, match="type « mairie » inconnu"):
        load_config(write(tmp_path, VALID.replace("type: etat", "type: mairie")))


def test_missing_folder_and_empty_file(tmp_path):
    with pytest.raises(ConfigError, match="introuvable"):
        load_config(tmp_path / "nulle-part")
    with pytest.raises(ConfigError, match="ne contient pas"):
        load_config(tmp_path)
    with pytest.raises(ConfigError, match="vide"):
        load_config(write(tmp_path, ""))


def test_bad_year(tmp_path):
    with pytest.raises(ConfigError, match="annee"):
        load_config(write(tmp_path, VALID.replace("annee: 2025", "annee: deux-mille")))
