"""End-to-end: the study command on every sample territory."""

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from diversification.run.cli import app
from diversification.inputs.paths import TERRITOIRES_DIR

pytestmark = pytest.mark.e2e
runner = CliRunner()


#: Exit status of `etude` on each sample territory: rural-exemple has no planned purchases, so phases 06 and 08
#: are « non réalisée » and the study is incomplete (3).
EXIT = {"metropole-exemple": 0, "rural-exemple": 3, "exports-bruts": 0}


def run_etude(territory: str, reports: Path, *extra: str):
    result = runner.invoke(app, ["etude", "--territoire", str(TERRITOIRES_DIR / territory), "--rapports", str(reports), *extra])
    assert result.exit_code == EXIT[territory], result.output
    run_dirs = [p for p in (reports / territory).glob("*/*") if p.is_dir()]
    assert len(run_dirs) == 1
    assert f"Rapport : {run_dirs[0]}" in result.output.replace("\n", "")
    return run_dirs[0]


@pytest.mark.parametrize("territory", ["metropole-exemple", "rural-exemple", "exports-bruts"])
def test_study_on_every_sample_territory(territory, tmp_path):
    run_dir = run_etude(territory, tmp_path)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["statut"] == "terminé"
    assert manifest["notebooks"][0]["notebook"] == "00_controle_donnees"
    assert all(n["statut"] == "terminé" for n in manifest["notebooks"])
    assert (run_dir / "notebooks" / "00_controle_donnees.ipynb").exists()
    assert (run_dir / "prive" / "suivi_clauses.parquet").exists()
    assert (run_dir / "tables" / "controle_synthese.parquet").exists()
    synthese = pd.read_parquet(run_dir / "tables" / "controle_synthese.parquet")
    assert synthese.set_index("entrée").loc["Suivi des clauses sociales", "statut"] == "chargée"



def test_progress_lines_number_each_notebook_once(tmp_path):
    """Two kernels: two notebooks may start with the same number finished; the lines still count 1 to 11."""
    result = runner.invoke(app, ["etude", "--territoire", str(TERRITOIRES_DIR / "rural-exemple"),
                                 "--rapports", str(tmp_path)])
    assert result.exit_code == 3, result.output  # rural-exemple: incomplete (no planned purchases)
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in lines] == [f"[{i}/11" for i in range(1, 12)]
    assert lines[0].endswith("00_controle_donnees — Contrôle des données") and "10_synthese" in lines[-1]
    assert len({line.split("] ")[1].split(" — ")[0] for line in lines}) == 11


def test_metropole_year_parameter_and_written_tables(tmp_path):
    run_dir = run_etude("metropole-exemple", tmp_path, "--annee", "2024")
    assert run_dir.parent.name == "2024"
    suivi = pd.read_parquet(run_dir / "prive" / "suivi_clauses.parquet")
    assert len(suivi) == 3076
    assert suivi["participant_id"].str.startswith("P-").all()  # pseudonymised
    assert set(p.name for p in (run_dir / "donnees").iterdir()) == {
        "decp.parquet", "demandeurs_emploi.parquet", "metiers_tension.parquet", "achats_prevus.parquet",
        "structures_inclusives.parquet",
    }


def test_raw_exports_rejects_file_lists_every_documented_defect(tmp_path):
    run_dir = run_etude("exports-bruts", tmp_path)
    with open(run_dir / "prive" / "rejets.csv", encoding="utf-8-sig", newline="") as handle:
        rejects = list(csv.DictReader(handle, delimiter=";"))
    found = {(r["fichier"], r["ligne"]) for r in rejects}
    # the CSV / Excel defects of DEFAUTS.md, by file and line
    expected = {("suivi_clauses.csv", str(n)) for n in (5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 53)}
    expected |= {("achats_prevus.csv", "7"), ("achats_prevus.csv", "11"), ("structures_inclusives.xlsx", "6")}
    assert expected <= found
    dropped = {r["colonne"] for r in rejects if r["action"] == "colonne supprimée (donnée personnelle)"}
    assert dropped == {"Nom", "Date de naissance"}
    suivi = pd.read_parquet(run_dir / "prive" / "suivi_clauses.parquet")
    assert "Nom" not in suivi.columns and "Date de naissance" not in suivi.columns
    # rows read = kept + rejected + duplicates (nothing dropped silently)
    synthese = pd.read_parquet(run_dir / "tables" / "controle_synthese.parquet").set_index("entrée")
    row = synthese.loc["Suivi des clauses sociales"]
    assert row["lignes lues"] == row["lignes acceptées"] + row["lignes rejetées"] + row["doublons retirés"]
    assert row["lignes rejetées"] == 8 and row["doublons retirés"] == 1


def _published_table(source: Path, target: Path) -> pd.DataFrame:
    """The job seekers of ``source`` (a France Travail extraction) as a published table: one criterion at a
    time (sex, age band, seniority, sought trade), « Ensemble » elsewhere, no qualification, RQTH, RSA or QPV."""
    cells = pd.read_csv(source)
    rows = [{"annee": y, "categorie": "Catégories A, B, C", "sexe": "Ensemble", "tranche_age": "Ensemble",
             "anciennete": "Ensemble", "code_rome": "Ensemble", "effectif": int(g["effectif"].sum())}
            for y, g in cells.groupby("annee")]
    for criterion in ("sexe", "tranche_age", "anciennete", "code_rome"):
        for (year, value), group in cells.groupby(["annee", criterion]):
            row = {"annee": year, "categorie": "ABC", "sexe": "Ensemble", "tranche_age": "Ensemble",
                   "anciennete": "Ensemble", "code_rome": "Ensemble", "effectif": int(group["effectif"].sum())}
            row[criterion] = {"F": "Femmes", "H": "Hommes"}.get(value, value)
            rows.append(row)
    table = pd.DataFrame(rows)
    table.to_csv(target, sep=";", index=False, encoding="utf-8")
    return cells


def test_study_with_a_published_job_seeker_table(tmp_path):
    """The study runs on job seekers given as a published table (margins only): the publics of one criterion are
    counted on their margin, the others are « non mesurable » (never 0), and the report says so."""
    import shutil

    territory = tmp_path / "territoire"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    cells = _published_table(TERRITOIRES_DIR / "rural-exemple" / "demandeurs_emploi.csv",
                             territory / "demandeurs_emploi.csv")
    result = runner.invoke(app, ["etude", "--territoire", str(territory), "--rapports", str(tmp_path / "rapports")])
    assert result.exit_code == 3, result.output  # copied from rural-exemple: no planned purchases, incomplete
    run_dir = next(p for p in (tmp_path / "rapports").glob("*/*/*") if p.is_dir())
    decision = pd.read_parquet(run_dir / "tables" / "decision_publics_prioritaires.parquet").set_index("public_id")
    year = cells[cells["annee"] == 2025]
    assert decision.at["femmes", "demandeurs"] == year.loc[year["sexe"] == "F", "effectif"].sum()
    assert decision.at["seniors", "demandeurs"] == year.loc[year["tranche_age"] == "50 ans et plus", "effectif"].sum()
    for public in ("travailleurs_handicapes", "jeunes_diplomes", "brsa", "residents_qpv"):
        assert pd.isna(decision.at[public, "demandeurs"]), public
        assert decision.at[public, "explication"].startswith("non mesurable"), public
        assert not decision.at[public, "retenu"], public
    segments = pd.read_parquet(run_dir / "tables" / "besoins_emploi_segments.parquet")
    assert segments["demandeurs_publics_prioritaires"].isna().all()
    metiers = pd.read_parquet(run_dir / "tables" / "besoins_emploi_demande_metiers.parquet")
    top = year.groupby("code_rome")["effectif"].sum().sort_values(ascending=False, kind="stable")
    assert metiers["demandeurs"].iloc[0] == top.iloc[0]
    html = (run_dir / "rapport" / "rapport.html").read_text(encoding="utf-8")
    assert "non mesurable : les demandeurs d&#39;emploi fournis ne donnent pas le critère « RQTH »" in html \
        or "non mesurable : les demandeurs d'emploi fournis ne donnent pas le critère « RQTH »" in html


def test_study_of_a_new_territory_without_partner_buyers(tmp_path):
    """A territory made by `nouveau`, its files put in place but no partner buyer declared yet: the study ends
    (it used to fail in phase 04: no partner name to map), segments are still ranked, and the report says why
    there is no argument sheet."""
    import shutil

    territory = tmp_path / "nouveau"
    assert runner.invoke(app, ["nouveau", str(territory), "--nom", "Sans acheteur", "--annee", "2025",
                               "-d", "99"]).exit_code == 0
    source = TERRITOIRES_DIR / "rural-exemple"
    for name in ("suivi_clauses.csv", "demandeurs_emploi.csv", "metiers_tension.csv", "structures_inclusives.csv"):
        shutil.copy(source / name, territory / name)
    for path in (source / "decp").iterdir():
        shutil.copy(path, territory / "decp" / path.name)
    checked = runner.invoke(app, ["valider", "--territoire", str(territory)])
    assert "Aucun acheteur partenaire n'est déclaré dans territoire.yaml" in " ".join(checked.output.split())
    result = runner.invoke(app, ["etude", "--territoire", str(territory), "--rapports", str(tmp_path / "rapports")])
    assert result.exit_code == 3, result.output  # copied from rural-exemple: no planned purchases, incomplete
    run_dir = next(p for p in (tmp_path / "rapports").glob("*/*/*") if p.is_dir())
    assert pd.read_parquet(run_dir / "tables" / "decision_segments_prioritaires.parquet")["retenu"].any()
    html = (run_dir / "rapport" / "rapport.html").read_text(encoding="utf-8")
    assert "Aucun acheteur partenaire n&#39;est déclaré dans territoire.yaml (clé « acheteurs ») : pas de fiche " \
           "argumentaire." in html
    assert not (run_dir / "argumentaires").exists() or not any((run_dir / "argumentaires").iterdir())


@pytest.mark.parametrize("missing, config_key, phase, reason", [
    ("suivi_clauses.csv", "suivi_clauses", "01", "Suivi des clauses sociales"),
    ("demandeurs_emploi.csv", "demandeurs_emploi", "02", "Demandeurs d'emploi"),
    ("decp", "decp", "03", "Données de la commande publique (DECP)"),
])
def test_study_ends_when_a_required_input_is_absent(tmp_path, missing, config_key, phase, reason):
    """A required input absent (the three used to stop the study on a missing column): the study ends, the phases
    that need it are « non réalisée » with the reason, and the others are done."""
    import shutil

    from diversification.publish import report
    from diversification.publish.study import open_study

    territory = tmp_path / "territoire"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    target = territory / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    config = territory / "territoire.yaml"
    config.write_text("".join(line for line in config.read_text(encoding="utf-8").splitlines(keepends=True)
                              if not line.startswith(f"  {config_key}:")), encoding="utf-8")
    result = runner.invoke(app, ["etude", "--territoire", str(territory), "--rapports", str(tmp_path / "rapports")])
    assert result.exit_code == 3, result.output  # copied from rural-exemple: no planned purchases, incomplete
    run_dir = next(p for p in (tmp_path / "rapports").glob("*/*/*") if p.is_dir())
    etude = open_study(territory, 2025, run_dir)
    sections = {s["key"]: s for s in report.study_sections(etude, report.study_tables(etude))}
    assert sections[phase]["status"] == report.NOT_DONE
    assert any(f"« {reason} » est absente" in r for r in sections[phase]["reasons"])
    assert sections["07"]["status"] == report.DONE
    # the command says it too, under « Étude terminée »
    said = " ".join(result.output.split())
    assert "Phases non réalisées ou réalisées en partie :" in said
    assert f"- {sections[phase]['title']} : non réalisée — L'entrée obligatoire « {reason} » est absente" in said
    assert f"- {sections['07']['title']}" not in said


def test_an_empty_territory_publishes_no_decision_and_the_study_is_incomplete(tmp_path):
    """Issue 18.2: `nouveau` then `etude` on a territory without any data: exit 3 (« étude incomplète »), no ranking,
    no retained segment, no recommendation, the reason in French, and the key figures « — » (not « 5 sur 21 »,
    not 0 hours)."""
    from diversification.publish import report

    territory = tmp_path / "vide"
    assert runner.invoke(app, ["nouveau", str(territory), "--nom", "Territoire vide", "--annee", "2025"]).exit_code == 0
    result = runner.invoke(app, ["etude", "--territoire", str(territory), "--rapports", str(tmp_path / "rapports")])
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())
    assert "Étude incomplète : au moins une phase n'est pas réalisée faute de données (code de sortie 3)." in said
    run_dir = next(p for p in (tmp_path / "rapports").glob("*/*/*") if p.is_dir())
    tables = report.tables_from_run(run_dir)
    figures = report.key_figures(tables)
    assert figures == {"Heures d'insertion réalisées": "—", "Part des heures BTP et nettoyage": "—",
                       "Nombre effectif de segments": "—", "Publics prioritaires retenus": "—",
                       "Segments prioritaires retenus": "—"}
    segments = tables["decision_segments_prioritaires"]
    assert not segments["retenu"].any() and segments["rang"].isna().all() and segments["score"].isna().all()
    assert (segments["origine"] == "non calculée").all()
    assert segments["motif"].iloc[0].startswith("Décision « segments prioritaires » non calculée : aucune des "
                                                "entrées qui la mesurent n'est disponible")
    assert not tables["decision_publics_prioritaires"]["retenu"].any()
    assert tables["plan_actions_partenariat"].empty  # no retained segment: no action
    assert not (run_dir / "argumentaires").exists() or not any((run_dir / "argumentaires").iterdir())
    phases = report.run_phases(run_dir).set_index("Phase")["Statut"]
    assert phases.filter(regex="^0[4-9]").eq(report.NOT_DONE).all(), phases
    html = (run_dir / "rapport" / "rapport.html").read_text(encoding="utf-8")
    assert "5 sur 21" not in html and "sur 21" not in html
    assert "Décision « segments prioritaires » non calculée" in html
    assert "Classement des segments d&#39;achat" not in html  # the ranking table is not shown
