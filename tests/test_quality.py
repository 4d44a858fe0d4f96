"""Data-quality tables of notebook 00, on a small hand-made territory."""

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from diversification.inputs import quality
from diversification.publish import documents
from diversification.inputs.loading import load_territory

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2025, 6, 30)
SALT = bytes(32)


def make_territory(tmp_path: Path) -> Path:
    folder = tmp_path / "terr"
    (folder / "decp").mkdir(parents=True)
    (folder / "territoire.yaml").write_text(
        'nom: "Test"\nidentifiant: test\nannee: 2024\nacheteurs:\n'
        '  - {siret: "13001845000028", nom: "GIP Maximilien", type: collectivite}\n'
        '  - {siret: "21500222100012", nom: "Commune sans DECP", type: collectivite}\n',
        encoding="utf-8",
    )
    shutil.copy(FIXTURES / "entrees" / "suivi_clauses_cp1252.csv", folder / "suivi_clauses.csv")
    shutil.copy(FIXTURES / "decp_reels" / "decp-13001845000028-2024-02-29-01.json", folder / "decp" / "reel.json")
    (folder / "demandeurs_emploi.csv").write_text(
        "annee;sexe;tranche_age;niveau_qualification;anciennete;rqth;brsa;qpv;code_rome;effectif\n"
        "2024;F;26-49 ans;4 (bac);un an ou plus;non;non;non;M1805;40\n"
        "2023;H;26-49 ans;4 (bac);un an ou plus;non;non;non;K2204;60\n",
        encoding="utf-8",
    )
    return folder


def check(tmp_path):
    data = load_territory(make_territory(tmp_path), today=TODAY, salt=SALT)
    return quality.DataCheck(
        data=data, annee=2024, synthese=quality.summarize_inputs(data), motifs=quality.summarize_reasons(data),
        annees=quality.coverage_years(data), acheteurs=quality.coverage_buyers(data),
        segments=quality.coverage_segments(data), avertissements=quality.collect_warnings(data, 2024), notices=[],
    )


def test_summary_counts_by_hand(tmp_path):
    c = check(tmp_path)
    suivi = c.synthese.set_index("entrée").loc["Suivi des clauses sociales"]
    # fixture: 10 rows; lines 3, 8, 9, 11 rejected; line 5 duplicate; lines 6, 7, 10 flagged; Nom + colonne_bizarre
    assert (suivi["lignes lues"], suivi["lignes acceptées"], suivi["lignes rejetées"], suivi["doublons retirés"]) == (10, 5, 4, 1)
    assert suivi["valeurs signalées"] == 3
    assert suivi["colonnes ignorées ou supprimées"] == 2
    decp = c.synthese.set_index("entrée").loc["Données de la commande publique (DECP)"]
    assert (decp["statut"], decp["lignes lues"], decp["lignes acceptées"]) == ("chargée", 1, 1)
    assert c.synthese.set_index("entrée").loc["Achats prévus", "statut"] == "absente"


def test_reasons_are_counted(tmp_path):
    motifs = check(tmp_path).motifs
    row = motifs[(motifs["colonne"] == "heures_realisees") & (motifs["motif"] == "Heures réalisées : nombre illisible")]
    assert row["nombre"].tolist() == [1]
    assert motifs["nombre"].sum() == 10  # 4 rejected + 1 duplicate + 3 flagged + 2 columns


def test_coverage(tmp_path):
    c = check(tmp_path)
    years = c.annees.set_index("année")
    assert years.loc[2024, "Suivi des clauses sociales"] == 5
    assert years.loc[2024, "Données de la commande publique (DECP)"] == 1
    assert years.loc[2023, "Demandeurs d'emploi"] == 1
    buyers = c.acheteurs.set_index("acheteur")
    assert buyers.loc["GIP Maximilien", "marchés avec clause suivis"] == 3  # M1, M2, M3
    assert buyers.loc["GIP Maximilien", "marchés publiés (DECP)"] == 1
    segments = c.segments.set_index("segment")
    assert segments.loc["nettoyage_locaux", "marchés avec clause suivis"] == 1  # M2
    assert segments.loc["informatique_numerique", "marchés publiés (DECP)"] == 1  # CPV 72210000


def test_warnings_in_french(tmp_path):
    warnings = check(tmp_path).avertissements
    assert "Aucun marché publié (DECP) pour l'acheteur partenaire « Commune sans DECP »." in warnings
    assert any(w.startswith("Entrée facultative « Achats prévus » absente") for w in warnings)
    # 5 of 10 rows removed: over the 10 % alert rate
    assert any("« Suivi des clauses sociales » : 5 ligne(s) rejetée(s) sur 10 (50%)" in w for w in warnings)


def test_outputs_keep_personal_rows_private(tmp_path):
    c = check(tmp_path)
    written = documents.write_check_outputs(c, tmp_path / "run")
    names = {p.relative_to(tmp_path / "run").as_posix() for p in written}
    assert "prive/suivi_clauses.parquet" in names and "prive/rejets.csv" in names
    assert "donnees/decp.parquet" in names
    assert not any(n.startswith("donnees/suivi") for n in names)
    assert pd.read_parquet(tmp_path / "run" / "prive" / "suivi_clauses.parquet")["participant_id"].str.startswith("P-").all()
