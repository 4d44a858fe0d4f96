"""Command line: French messages, exit codes, no traceback for a user mistake."""

from pathlib import Path

from typer.testing import CliRunner

from diversification.run.cli import app
from diversification.inputs.paths import TERRITOIRES_DIR

runner = CliRunner()


def test_valider_reports_defects_without_writing(tmp_path):
    result = runner.invoke(app, ["valider", "--territoire", str(TERRITOIRES_DIR / "exports-bruts")])
    assert result.exit_code == 0, result.output
    assert "Contrôle des données" in result.output
    assert "Lignes rejetées ou valeurs signalées, par motif" in result.output
    assert ("- « suivi_clauses.csv », colonne « heures_realisees » : Heures réalisées : nombre illisible (ligne 9) — ligne rejetée."
            in result.output)
    assert "« achats_prevus.csv », colonne « montant_estime_ht » : Montant estimé (€ HT) : nombre illisible (ligne 11)" in result.output
    assert "Contrôle terminé." in result.output


def test_valider_says_how_the_files_were_read(tmp_path):
    """A published job-seeker table (margins, no RQTH column): the facilitator preparing the files is told."""
    import shutil

    territory = tmp_path / "territoire"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    (territory / "demandeurs_emploi.csv").write_text(
        "annee;sexe;effectif\n2025;Ensemble;100\n2025;Femmes;55\n2025;Hommes;45\n", encoding="utf-8")
    result = runner.invoke(app, ["valider", "--territoire", str(territory)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "Remarques sur la lecture des fichiers" in output
    assert "« demandeurs_emploi.csv » : 1 ligne(s) de marge" in output
    assert "critère(s) absent(s) du fichier : Catégorie, Tranche d'âge" in output


def test_valider_says_an_absent_or_unreadable_file_once(tmp_path):
    """An absent optional input and a missing declared file are warnings (« Attention »), not repeated among the
    remarks on how the files were read, which still list the files read."""
    import shutil

    territory = tmp_path / "territoire"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    (territory / "structures_inclusives.csv").unlink()
    result = runner.invoke(app, ["valider", "--territoire", str(territory)])
    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output  # a declared file unreadable: to be mended before the study
    assert output.count("« Achats prévus » absente") == 1
    assert output.count("Attention : « Structures inclusives » illisible : Le fichier « structures_inclusives.csv » "
                        "déclaré dans la configuration est introuvable.") == 1
    remarks = output.split("Remarques sur la lecture des fichiers")[1]
    assert "introuvable" not in remarks and "absente" not in remarks
    assert "« metiers_tension.csv » : 27 effectif(s) sous secret statistique" in remarks


def test_valider_says_whether_a_national_file_is_configured(tmp_path):
    import shutil

    result = runner.invoke(app, ["valider", "--territoire", str(TERRITOIRES_DIR / "rural-exemple")])
    output = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "Fichier DECP national : « decp_national_exemple.csv » configuré" in output
    assert "même tranche de taille (bandes_pairs.csv)" in output
    result = runner.invoke(app, ["valider", "--territoire", str(TERRITOIRES_DIR / "exports-bruts")])
    output = " ".join(result.output.split())
    assert "Fichier DECP national : non configuré" in output and "decp_nationale: chemin/vers/decp.csv" in output
    territory = tmp_path / "territoire"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    (territory / "national" / "decp_national_exemple.csv").unlink()
    result = runner.invoke(app, ["valider", "--territoire", str(territory)])
    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output  # phase 03 would fail: to be mended before the study
    assert "Attention : Fichier DECP national :" in output and "introuvable" in output
    assert "Contrôle terminé." not in output


def test_valider_missing_territory_is_a_french_error():
    result = runner.invoke(app, ["valider", "--territoire", "/nulle/part"])
    assert result.exit_code == 2
    assert "Erreur :" in result.output and "introuvable" in result.output
    assert "Traceback" not in result.output


def test_valider_missing_required_input_exits_non_zero(tmp_path):
    (tmp_path / "territoire.yaml").write_text('nom: "Vide"\nidentifiant: vide\nannee: 2025\n', encoding="utf-8")
    result = runner.invoke(app, ["valider", "--territoire", str(tmp_path)])
    assert result.exit_code == 1
    assert "Entrée obligatoire « Suivi des clauses sociales » absente" in result.output.replace("\n", " ")


def test_etude_config_syntax_error_gives_the_line(tmp_path):
    (tmp_path / "territoire.yaml").write_text('nom: "X"\nidentifiant: x\nannee: [2025\n', encoding="utf-8")
    result = runner.invoke(app, ["etude", "--territoire", str(tmp_path), "--rapports", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "territoire.yaml, ligne" in result.output and "erreur de syntaxe YAML" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_etude_bad_year(tmp_path):
    result = runner.invoke(app, ["etude", "--territoire", str(TERRITOIRES_DIR / "rural-exemple"), "--annee", "1850",
                                 "--rapports", str(tmp_path)])
    assert result.exit_code == 2
    assert "Année « 1850 » refusée" in result.output


def test_etude_zero_kernels_is_refused_in_french_before_writing(tmp_path):
    result = runner.invoke(app, ["etude", "--territoire", str(TERRITOIRES_DIR / "rural-exemple"), "--noyaux", "0",
                                 "--rapports", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "Nombre de noyaux « 0 » refusé : au moins 1." in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


def test_help_is_french():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Exécute l'étude complète" in result.output
    assert "Contrôle seulement les fichiers" in result.output
    assert "Affiche cette aide et quitte." in result.output and "Show this message" not in result.output
    sub = runner.invoke(app, ["etude", "--help"])
    assert "Affiche cette aide et quitte." in sub.output and "Show this message" not in sub.output


def test_nouveau_creates_an_empty_territory_that_loads(tmp_path):
    """A new territory: its configuration loads as given, the templates carry the kit's columns and no data, and
    `valider` says the required files are still to be put there."""
    from diversification.inputs.config import load_config
    from diversification.inputs.loading import load_demandeurs_emploi
    from diversification.inputs.schemas import METIERS_TENSION

    folder = tmp_path / "bocage"
    result = runner.invoke(app, ["nouveau", str(folder), "--nom", "Communauté de communes du Bocage Vendéen",
                                 "--annee", "2025", "-d", "85", "-d", "9"])
    assert result.exit_code == 0, result.output
    assert "Territoire créé" in result.output
    config = load_config(folder)
    assert (config.nom, config.identifiant, config.annee) == ("Communauté de communes du Bocage Vendéen",
                                                              "communaute-de-communes-du-bocage-vendeen", 2025)
    assert config.departements == ["85", "09"] and config.acheteurs == [] and config.secret_threshold == 5
    assert config.get("bmo") == {"departements": ["85", "09"], "bassins_emploi": []}
    assert sorted(p.name for p in (folder / "modeles").iterdir()) == [
        "achats_prevus.csv", "demandeurs_emploi.csv", "dictionnaire_des_donnees.md", "metiers_tension.csv",
        "structures_inclusives.csv", "suivi_clauses.csv"]
    header = (folder / "modeles" / "demandeurs_emploi.csv").read_text(encoding="utf-8-sig")
    assert header == ("annee;departement;categorie;sexe;tranche_age;niveau_qualification;anciennete;rqth;brsa;qpv;"
                      "code_rome;effectif\n")
    assert "projets_recrutement_secret" not in METIERS_TENSION.file_columns
    # a template filled in and put in place loads
    filled = folder / "demandeurs_emploi.csv"
    filled.write_text(header + "2025;85;A;F;50 ans et plus;4 (bac);un an ou plus;non;non;non;K2204;12\n",
                      encoding="utf-8-sig")
    loaded = load_demandeurs_emploi([filled])
    assert not loaded.rejects.records and int(loaded.table["effectif"].sum()) == 12
    checked = runner.invoke(app, ["valider", "--territoire", str(folder)])
    assert checked.exit_code == 1 and "Traceback" not in checked.output
    assert "Entrée obligatoire « Suivi des clauses sociales » absente" in " ".join(checked.output.split())


def test_nouveau_refuses_a_folder_in_use_and_a_bad_identifier(tmp_path):
    (tmp_path / "pris").mkdir()
    (tmp_path / "pris" / "notes.txt").write_text("à garder", encoding="utf-8")
    result = runner.invoke(app, ["nouveau", str(tmp_path / "pris"), "--nom", "Pris"])
    assert result.exit_code == 2 and "existe déjà et n'est pas vide" in " ".join(result.output.split())
    assert [p.name for p in (tmp_path / "pris").iterdir()] == ["notes.txt"]  # nothing written
    result = runner.invoke(app, ["nouveau", str(tmp_path / "neuf"), "--nom", "Neuf", "--identifiant", "Mon Territoire"])
    assert result.exit_code == 2 and "Identifiant « Mon Territoire » refusé" in " ".join(result.output.split())
    assert not (tmp_path / "neuf").exists()
    result = runner.invoke(app, ["nouveau", str(tmp_path / "ete"), "--nom", "Été 2026 : Pays d'Œ"])
    assert result.exit_code == 0, result.output
    assert 'identifiant: "ete-2026-pays-d-oe"' in (tmp_path / "ete" / "territoire.yaml").read_text(encoding="utf-8")


def test_phases_not_done_and_done_count_from_the_table_of_phase_10(tmp_path):
    import pandas as pd

    from diversification.publish import report
    from diversification.run.cli import _phases_done

    assert report.phases_not_done(tmp_path) is None and _phases_done(str(tmp_path)) == "—" and _phases_done(None) == "—"
    (tmp_path / "tables").mkdir()
    pd.DataFrame({"Phase": ["00 – Contrôle des données", "06 – Mobilisation des acheteurs", "07 – Partenariat"],
                  "Statut": ["réalisée", "non réalisée", "partiellement réalisée"], "Tables": [2, 0, 1],
                  "Graphiques": [0, 0, 1], "Motif": ["", "L'entrée facultative « Achats prévus » est absente.", ""]}
                 ).to_parquet(tmp_path / "tables" / f"{report.PHASES_TABLE}.parquet")
    assert report.phases_not_done(tmp_path) == [
        "06 – Mobilisation des acheteurs : non réalisée — L'entrée facultative « Achats prévus » est absente.",
        "07 – Partenariat : partiellement réalisée"]
    assert _phases_done(str(tmp_path)) == "1 sur 3"


def test_valider_checks_the_year_to_be_studied():
    """`--annee`: the files are checked against the year the study will be run for, and a year out of range is
    refused as `etude` refuses it."""
    rural = str(TERRITOIRES_DIR / "rural-exemple")
    result = runner.invoke(app, ["valider", "--territoire", rural, "--annee", "2023"])
    assert result.exit_code == 0, result.output
    assert "Le suivi des clauses ne contient aucune ligne pour l'année étudiée 2023." in " ".join(result.output.split())
    assert "aucune ligne pour l'année étudiée" not in runner.invoke(app, ["valider", "--territoire", rural]).output
    refused = runner.invoke(app, ["valider", "--territoire", rural, "--annee", "1850"])
    assert refused.exit_code == 2
    assert "Année « 1850 » refusée : une année entre 2000 et 2100 est attendue." in " ".join(refused.output.split())


def test_comparer_puts_the_key_figures_of_runs_side_by_side(sample_runs):
    from diversification.publish import report

    metropole, rural = sample_runs["metropole-exemple"], sample_runs["rural-exemple"]
    table = report.compare_runs([metropole, rural]).set_index("Chiffre clé")
    assert list(table.columns) == [f"metropole-exemple 2025 ({metropole.name})", f"rural-exemple 2025 ({rural.name})"]
    first, second = table.columns
    assert table.at["Heures d'insertion réalisées", first] == "231\u202f180"  # French: narrow no-break space
    assert table.at["Part des heures BTP et nettoyage", first] == "82,1\u202f%"
    assert table.at["Phases réalisées", first] == "10 sur 10"
    assert table.at["Phases réalisées", second] == "5 sur 10"  # no planned purchases: 03, 04, 05 partly, 06 and 08 not
    result = runner.invoke(app, ["comparer", str(metropole), str(rural)], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "Chiffres clés comparés" in result.output and "10 sur 10" in result.output
    one = runner.invoke(app, ["comparer", str(metropole)])
    assert one.exit_code == 2 and "au moins deux dossiers" in one.output
    not_a_run = runner.invoke(app, ["comparer", str(metropole), str(metropole.parent)])
    assert not_a_run.exit_code == 2 and "n'est pas un dossier de run" in " ".join(not_a_run.output.split())


#: Words of Typer's English frames (help panels, usage line, type labels, parse errors).
ENGLISH_FRAMES = ["Usage", "Commands", "COMMAND", "[ARGS]", "[required]", "[default:", "Try ", "for help", "Error",
                  "Missing", "No such", "Did you mean", "Invalid value", "Input should", "unexpected extra",
                  "requires an argument", "<path>", "<int>", "<str>", "<bool>", "<list[", "Aborted"]


def _english_frames(text: str) -> list[str]:
    import re

    return [word for word in ENGLISH_FRAMES if re.search(r"(?<![A-Za-zÀ-ÿ])" + re.escape(word) + r"(?![A-Za-zÀ-ÿ])",
                                                          text)]


def test_help_of_the_app_and_of_every_command_is_french():
    import typer

    commands = sorted(typer.main.get_command(app).commands)
    assert {"etude", "lot", "valider", "nouveau", "corrige", "comparer", "exemples"} <= set(commands)
    for args in [["--help"], *[[name, "--help"] for name in commands]]:
        result = runner.invoke(app, args, terminal_width=100)
        assert result.exit_code == 0, result.output
        assert _english_frames(result.output) == [], (args, result.output)
        assert "Utilisation : " in result.output and "Affiche cette aide et quitte." in result.output
    top = runner.invoke(app, ["--help"], terminal_width=100).output
    assert "COMMANDE [ARGUMENTS]..." in top and "─ Commandes ─" in top
    lot = " ".join(runner.invoke(app, ["lot", "--help"], terminal_width=100).output.split())
    assert "[obligatoire]" in lot and "[par défaut : processus]" in lot and "<chemin>" in lot and "<entier>" in lot
    nouveau = runner.invoke(app, ["nouveau", "--help"], terminal_width=100).output
    assert "─ Arguments ─" in nouveau and "<texte>..." in nouveau


def test_parse_errors_are_french_in_the_same_frame():
    cases = {
        ("lot",): "Option manquante : '--territoires' / '-T'.",
        ("etude", "--bogus"): "Option inconnue : --bogus",
        ("etud",): "Commande inconnue : 'etud'. Vouliez-vous dire 'etude' ?",
        ("etude", "--annee", "abc"): "Valeur refusée pour '--annee' / '-a' : Un nombre entier est attendu.",
        ("etude", "--annee"): "L'option '--annee' attend une valeur.",
        ("valider", "-t", "x", "y"): "Argument(s) en trop : y",
        ("nouveau",): "Argument manquant : 'dossier'.",
    }
    for args, french in cases.items():
        result = runner.invoke(app, list(args), terminal_width=100)
        assert result.exit_code == 2, (args, result.output)
        assert french in result.output, (args, result.output)
        assert "─ Erreur ─" in result.output and _english_frames(result.output) == [], (args, result.output)
    usage = runner.invoke(app, ["lot"], terminal_width=100).output
    assert "Utilisation : root lot [OPTIONS]" in usage  # « root »: the CliRunner's program name
    assert "Pour l'aide : 'root lot --help'." in usage


def test_lisezmoi_lists_every_file_the_study_reads_with_its_source(tmp_path):
    """Each name the study looks for (bmo.xlsx as well as metiers_tension.csv...) and where to get it."""
    from diversification.inputs.loading import INPUT_ORDER, find_input_files
    from diversification.inputs.config import load_config
    from diversification.inputs.schemas import READ_INPUTS

    folder = tmp_path / "neuf"
    result = runner.invoke(app, ["nouveau", str(folder), "--nom", "Neuf", "--annee", "2025"])
    assert result.exit_code == 0, result.output
    text = (folder / "LISEZMOI.md").read_text(encoding="utf-8")
    assert set(READ_INPUTS) == set(INPUT_ORDER)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
    for key, spec in READ_INPUTS.items():
        row = rows[spec.title]
        assert spec.source and spec.source in row, key
        if key != "decp":
            for stem in spec.default_files:
                assert f"`{stem}.*`" in row, (key, stem)
    assert "`metiers_tension.*` ou `bmo.*`" in rows["Métiers en tension (BMO)"]
    assert "enquête Besoins en Main-d'Œuvre (BMO)" in rows["Métiers en tension (BMO)"]
    assert "dossier `decp/`" in rows["Données de la commande publique (DECP)"]
    # a file under the second name is indeed read by the study
    (folder / "bmo.xlsx").write_bytes(b"")
    assert find_input_files(load_config(folder), "metiers_tension") == [folder / "bmo.xlsx"]


def test_valider_never_breaks_a_line_inside_guillemets(monkeypatch):
    """On a narrow terminal, a message keeps « Achats prévus » on one line (the terminal wraps it, not rich)."""
    from rich.console import Console

    from diversification.run import cli

    monkeypatch.setattr(cli, "console", Console(width=40, highlight=False))
    result = runner.invoke(app, ["valider", "--territoire", str(TERRITOIRES_DIR / "rural-exemple")])
    assert result.exit_code == 0, result.output
    assert "Attention : Entrée facultative « Achats prévus » absente" in result.output
    unbalanced = [line for line in result.output.splitlines() if line.count("«") != line.count("»")]
    assert unbalanced == []


def test_etude_help_documents_the_three_exit_statuses():
    result = runner.invoke(app, ["etude", "--help"], terminal_width=200)
    said = " ".join(result.output.replace("│", " ").split())
    for text in ("0 = étude complète", "3 = étude incomplète", "1 = étude en échec", "2 = commande refusée"):
        assert text in said, text
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "**Codes de sortie**" in readme and "| 3 | incomplète |" in readme
