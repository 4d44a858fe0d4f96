"""scaffold: a new, empty territory (``diversification nouveau``): configuration, README and column templates."""

import pytest

from diversification.run import scaffold
from diversification.inputs.config import load_config
from diversification.inputs.errors import ConfigError
from diversification.inputs.schemas import TABULAR_INPUTS


@pytest.mark.parametrize("nom, expected", [
    ("Communauté de communes du Bocage", "communaute-de-communes-du-bocage"),
    ("Été 2026 : Pays d'Œuvre", "ete-2026-pays-d-oeuvre"),
    ("  --Métropole--  ", "metropole"),
    ("a" * 70, "a" * 63),
    ("ab " * 30, ("ab-" * 21).rstrip("-")),  # cut at 63 characters, no trailing dash
])
def test_identifier_from_name(nom, expected):
    assert scaffold.identifier_from_name(nom) == expected


def test_new_territory_files_and_configuration(tmp_path):
    folder = tmp_path / "bocage"
    written = scaffold.create_territory(folder, " Pays « d'Œ » ", annee=2025, departements=["5", "85"])
    names = [p.relative_to(folder).as_posix() for p in written]
    assert names == ["territoire.yaml", "LISEZMOI.md", "modeles/suivi_clauses.csv", "modeles/demandeurs_emploi.csv",
                     "modeles/metiers_tension.csv", "modeles/achats_prevus.csv", "modeles/structures_inclusives.csv",
                     "modeles/dictionnaire_des_donnees.md"]
    assert (folder / "decp").is_dir() and not any((folder / "decp").iterdir())
    config = load_config(folder)
    assert config.nom == "Pays « d'Œ »" and config.identifiant == "pays-d-oe" and config.annee == 2025
    assert config.departements == ["05", "85"] and config.acheteurs == []
    assert config.get("bmo") == {"departements": ["05", "85"], "bassins_emploi": []}
    assert config.secret_threshold == 5
    header = (folder / "modeles" / "suivi_clauses.csv").read_bytes()
    assert header == ("\ufeff" + ";".join(TABULAR_INPUTS["suivi_clauses"].file_columns) + "\n").encode("utf-8")
    readme = (folder / "LISEZMOI.md").read_text(encoding="utf-8")
    assert readme.startswith("# Territoire « Pays « d'Œ » »")
    assert f"diversification valider --territoire {folder}" in readme
    assert ("| Achats prévus | `achats_prevus.*` ou `programmation.*` (`.csv`, `.xlsx`, `.xls` ou `.ods`) | non | "
            "Programmation prévisionnelle des achats, demandée à chaque acheteur partenaire. |") in readme


def test_refusals_write_nothing(tmp_path):
    used = tmp_path / "pris"
    used.mkdir()
    (used / "x.txt").write_text("x")
    with pytest.raises(ConfigError, match="existe déjà et n'est pas vide"):
        scaffold.create_territory(used, "Pris", annee=2025)
    with pytest.raises(ConfigError, match="Le nom du territoire est vide"):
        scaffold.create_territory(tmp_path / "vide", "   ", annee=2025)
    with pytest.raises(ConfigError, match="Identifiant « Mon Territoire » refusé"):
        scaffold.create_territory(tmp_path / "neuf", "Neuf", identifiant="Mon Territoire", annee=2025)
    assert not (tmp_path / "vide").exists() and not (tmp_path / "neuf").exists()
    empty = tmp_path / "vide-existant"
    empty.mkdir()
    assert scaffold.create_territory(empty, "Vide", annee=2024)[0] == empty / "territoire.yaml"  # an empty folder is fine
