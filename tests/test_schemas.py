"""schemas: the inputs' column contracts, their pandera schemas and the French data dictionary."""

import pandas as pd
import pandera.errors
import pytest

from diversification.inputs import schemas
from diversification.inputs.schemas import ColumnSpec, InputSpec


def _spec():
    return InputSpec(key="essai", title="Essai", description="Une table d'essai.", default_files=("essai",), columns=(
        ColumnSpec("siret", "siret", "SIRET", "SIRET de l'entreprise."),
        ColumnSpec("sexe", "category", "Sexe", "F ou H.", allowed=("F", "H")),
        ColumnSpec("heures", "float", "Heures", "Heures réalisées.", minimum=0, maximum=1000),
        ColumnSpec("tranche_age", "category", "Âge", "Tranche d'âge.", margin=True),
        ColumnSpec("commentaire", "str", "Commentaire", "Texte libre.", required=False),
        ColumnSpec("heures_secret", "bool", "Secret", "Dérivée par le chargeur."),
    ))


def test_derived_column_lists():
    spec = _spec()
    assert spec.required_columns == ["siret", "sexe", "heures", "heures_secret"]
    assert spec.margin_columns == ["tranche_age"]
    assert spec.file_columns == ["siret", "sexe", "heures", "tranche_age", "commentaire"]
    assert spec.column("sexe").allowed == ("F", "H")
    with pytest.raises(KeyError):
        spec.column("absente")


def test_pandera_schema_checks_with_french_messages():
    schema = schemas.build_pandera_schema(_spec())
    # text columns as the loader builds them (object dtype)
    good = pd.DataFrame({"siret": pd.Series(["44090956200041"], dtype=object), "sexe": pd.Series(["F"], dtype=object),
                         "heures": pd.array([10.0], dtype="Float64"),
                         "heures_secret": pd.array([False], dtype="boolean")})
    schema.validate(good)  # the margin column and the optional one may be absent
    bad = pd.DataFrame({"siret": pd.Series(["4409095620004", "44090956200041"], dtype=object),
                        "sexe": pd.Series(["X", "H"], dtype=object),
                        "heures": pd.array([10.0, 1500.0], dtype="Float64"),
                        "heures_secret": pd.array([False, False], dtype="boolean")})
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        schema.validate(bad, lazy=True)
    cases = caught.value.failure_cases
    found = {(row.column, row.index, row.check) for row in cases.itertuples()}
    assert ("siret", 0, "SIRET : 14 chiffres attendus") in found
    assert ("sexe", 0, "valeur hors liste (F, H)") in found
    assert ("heures", 1, "valeur supérieure au maximum admis (1000)") in found
    assert len(found) == 3
    missing = good.drop(columns="sexe")
    with pytest.raises(pandera.errors.SchemaError, match="sexe"):
        schema.validate(missing)


def test_data_dictionary_rows_in_french():
    table = schemas.data_dictionary(_spec()).set_index("colonne")
    assert table.loc["siret", "type"] == "SIRET (14 chiffres)"
    assert table.loc["heures", "type"] == "nombre (virgule décimale acceptée)"
    assert table.loc["tranche_age", "obligatoire"] == "non (marge si absente)"
    assert table.loc["commentaire", "obligatoire"] == "non" and table.loc["sexe", "obligatoire"] == "oui"
    assert table.loc["sexe", "valeurs admises"] == "F, H"


def test_dictionary_markdown_covers_every_tabular_input():
    text = schemas.dictionary_markdown()
    assert text.startswith("### Suivi des clauses sociales (`suivi_clauses`, entrée obligatoire)\n")
    assert "(`achats_prevus`, entrée facultative)" in text
    assert text.count("\n### ") + 1 == len(schemas.TABULAR_INPUTS) == 5
    assert "| `sexe` | liste de valeurs | oui |" in text and "Valeurs admises : F, H." in text
    assert text.endswith("|\n")


def test_the_kit_inputs():
    assert list(schemas.TABULAR_INPUTS) == ["suivi_clauses", "demandeurs_emploi", "metiers_tension", "achats_prevus",
                                            "structures_inclusives"]
    assert schemas.SUIVI_CLAUSES.personal and not schemas.DEMANDEURS_EMPLOI.personal
    assert schemas.ACHATS_PREVUS.optional and not schemas.SUIVI_CLAUSES.optional
    assert schemas.DEMANDEURS_EMPLOI.sum_column == "effectif"
    assert "date_naissance" in schemas.DIRECT_IDENTIFIERS and "nom" in schemas.DIRECT_IDENTIFIERS
