"""The study report (phase 10): sections, « non réalisée », French numbers, escaping, PDF fallback, Excel."""

import base64
import datetime as dt
import json
import re
import shutil
import sys
from pathlib import Path
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest

from diversification.indicators import disclosure
from diversification.publish import report
from diversification.inputs.segments import segment_labels
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.publish.study import open_study

NBSP = "\u202f"  # the one space of formatting.py


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.scripts, self.external = set(), [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "script":
            self.scripts += 1
        if tag in ("img", "link", "script") and (attrs.get("src") or attrs.get("href") or "").startswith("http"):
            self.external.append(attrs)


@pytest.fixture(scope="module")
def rural(sample_runs, tmp_path_factory):
    """A copy of the rural run folder, and its study opened on it (the report is written in the copy)."""
    run = tmp_path_factory.mktemp("rural") / "run"
    shutil.copytree(sample_runs["rural-exemple"], run, ignore=shutil.ignore_patterns("rapport"))
    etude = open_study(TERRITOIRES_DIR / "rural-exemple", 2025, run)
    return etude, report.build_report(etude)


# --- formats -------------------------------------------------------------------------------------

def test_french_number_formats():
    assert report.fr_number(1234.5, 1) == f"1{NBSP}234,5"
    assert report.fr_number(1234567) == f"1{NBSP}234{NBSP}567"
    assert report.fr_percent(0.123) == f"12,3{NBSP}%"          # 0,123 × 100 = 12,3
    assert report.fr_euros(12345.6) == f"12{NBSP}346{NBSP}€"    # rounded to the euro
    assert report.fr_number(-0.04, 1) == "0,0"
    assert report.fr_number(pd.NA) == "—"
    assert report.format_value(True, "oui_non") == "oui"
    assert report.format_value(pd.Timestamp("2026-03-31"), "date") == "31/03/2026"


def test_format_table_hides_secret_cells_and_keeps_zeros():
    spec = report.TableSpec("t", "Titre", {"libelle": ("Libellé", "texte"), "participants": ("Participants", "entier"),
                                           "part": ("Part", "pourcent")}, ("participants", "part"))
    table = pd.DataFrame({"libelle": ["A", "B", "C"], "participants": pd.array([12, pd.NA, 0], dtype="Int64"),
                          "part": pd.array([0.8, pd.NA, 0.0], dtype="Float64")})
    out = report.format_table(table, spec)
    assert out["headers"] == ["Libellé", "Participants", "Part"]
    assert [c["text"] for c in out["rows"][0]] == ["A", "12", f"80,0{NBSP}%"]
    assert [c["text"] for c in out["rows"][1]] == ["B", disclosure.SECRET_LABEL, disclosure.SECRET_LABEL]
    assert [c["text"] for c in out["rows"][2]] == ["C", "0", f"0,0{NBSP}%"]
    assert out["hidden"] is True


def test_decision_summary_tells_pinned_from_computed():
    table = pd.DataFrame({"id": ["a", "b", "c"], "libelle": ["A", "B", "C"], "retenu": [True, False, True],
                          "origine": ["épinglée par la configuration"] * 3})
    summary = report.decision_summary(table, "Segments", "id", "libelle")
    assert (summary["n_retained"], summary["n_total"], summary["labels"], summary["pinned"]) == (2, 3, ["A", "C"], True)
    assert "épinglée" in summary["origin"]
    table["origine"] = "calculée"
    assert report.decision_summary(table, "Segments", "id", "libelle")["pinned"] is False


# --- the rural run -------------------------------------------------------------------------------

def test_report_files_written(rural):
    etude, result = rural
    folder = etude.run_dir / "rapport"
    assert (folder / "rapport.html").is_file()
    assert (folder / "rapport.xlsx").is_file()
    assert (folder / "rapport.pdf").is_file() or (folder / "PDF_NON_PRODUIT.txt").is_file()
    assert result.files and all(p.parent == folder for p in result.files)


def test_every_phase_has_a_section_and_toc_anchors_resolve(rural):
    html = rural[1].html
    parser = _Anchors()
    parser.feed(html)
    for key in ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"]:
        assert f"phase-{key}" in parser.ids
    internal = [h[1:] for h in parser.hrefs if h.startswith("#")]
    assert len(internal) >= 12
    assert not [h for h in internal if h not in parser.ids]
    assert parser.scripts == 0 and parser.external == []
    assert "<style>" in html and "@media print" in html and "max-width: 100%" in html


def test_missing_input_gives_non_realisee_with_reason(rural):
    etude, result = rural
    reason = etude.unavailable_reason("achats_prevus")   # no achats_prevus in rural-exemple
    assert "Achats prévus" in reason
    sections = {s["key"]: s for s in report.study_sections(etude, report.tables_from_run(etude.run_dir))}
    for key in ("06", "08"):
        assert sections[key]["status"] == report.NOT_DONE
        assert sections[key]["tables"] == [] and sections[key]["reasons"]
    assert sections["01"]["status"] != report.NOT_DONE
    section_06 = result.html.split('id="phase-06"')[1].split("</section>")[0]
    assert "Phase non réalisée" in section_06
    assert "« Achats prévus » est absente du dossier du territoire" in section_06
    assert "<table" not in section_06


def test_notebook_sections_of_a_run_are_the_reports(rural):
    """Notebook 10 shows the sections of the report itself: with the run's argument sheets as links
    (once, a second computation without them said « Aucune fiche argumentaire » in the notebook)."""
    etude, result = rural
    tables = report.study_tables(etude)
    sections = {s["key"]: s for s in report.study_sections(etude, tables)}
    sheets = sorted(p.name for p in (etude.run_dir / "argumentaires").glob("*.html"))
    links = [link for group in sections["05"]["links"] for link in group["links"]]
    assert sheets and sorted(link["href"].removeprefix("../argumentaires/") for link in links) == sheets
    assert not any("Aucune fiche argumentaire" in r for r in sections["05"]["reasons"])
    context = report.report_context(etude, tables)
    assert report.render_html(context) == result.html  # same context as build_report's own


def test_charts_left_by_the_phases_are_those_the_report_would_draw(sample_runs, tmp_path):
    """Phases 01, 02, 03, 04, 07 and 09 leave their report charts in graphiques/ (PNG + index) while the other
    phases run; the report embeds them, and is the same as with every chart drawn by phase 10."""
    run = tmp_path / "run"
    shutil.copytree(sample_runs["metropole-exemple"], run, ignore=shutil.ignore_patterns("rapport"))
    left = sorted(p.name for p in (run / report.CHARTS_DIR).glob("*.json"))
    assert left == ["phase-01.json", "phase-02.json", "phase-03.json", "phase-04.json", "phase-07.json", "phase-09.json"]
    first = json.loads((run / report.CHARTS_DIR / "phase-01.json").read_text(encoding="utf-8"))
    assert [e["fichier"] for e in first] == ["phase-01-1.png", "phase-01-2.png"]
    assert (run / report.CHARTS_DIR / "phase-01-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    etude = open_study(TERRITOIRES_DIR / "metropole-exemple", 2025, run)
    with_left = report.render_html(report.report_context(etude))
    marker = (run / report.CHARTS_DIR / "phase-09-1.png")
    original = marker.read_bytes()
    marker.write_bytes(b"PNG de la phase 09")  # the report embeds the file left, it does not redraw it
    assert base64.b64encode(b"PNG de la phase 09").decode() in report.render_html(report.report_context(etude))
    marker.write_bytes(original)
    shutil.rmtree(run / report.CHARTS_DIR)
    assert report.render_html(report.report_context(etude)) == with_left
    # exploration: nothing written
    assert report.publish_section_charts(open_study(TERRITOIRES_DIR / "metropole-exemple", 2025), "01") == []


def test_numbers_are_french_in_the_html(rural):
    etude, result = rural
    heures = report.tables_from_run(etude.run_dir)["etat_des_lieux_indicateurs"].set_index("indicateur")
    value = float(heures.at["heures_realisees", "valeur"])
    expected = f"{value:,.0f}".replace(",", NBSP)
    assert expected in result.html
    assert re.search(r"\d,\d" + NBSP + "%", result.html)
    assert not re.search(r">\s*\d+\.\d+\s*<", result.html)  # no English decimal point in a cell


def test_rule_sentence_and_manifest(rural):
    etude, result = rural
    assert disclosure.describe_rule(etude.threshold).replace("'", "&#39;") in result.html
    assert "suivi_clauses.csv" in result.html and "Versions des logiciels" in result.html
    # the run is still going while phase 10 writes the report: its start, not a status « en cours »
    start = dt.datetime.fromisoformat(json.loads((etude.run_dir / "manifest.json").read_text(encoding="utf-8"))["debut"])
    assert f"Run commencé le {start:%d/%m/%Y} à {start:%H:%M} ; ce rapport est écrit par sa dernière phase" in result.html
    assert "en cours" not in result.html


def test_manifest_summary_for_the_report():
    summary = report.manifest_summary({"debut": "2026-12-02T00:40:18", "entrees": {"b.csv": "f" * 64, "a.csv": "0" * 64},
                                       "versions": {"pandas": "3.1.1"}})
    assert summary == {"inputs": [{"file": "a.csv", "sha": "0" * 16}, {"file": "b.csv", "sha": "f" * 16}],
                       "versions": [{"name": "pandas", "version": "3.1.1"}], "start": "02/12/2026 à 00:40"}
    assert report.manifest_summary(None) == {"inputs": [], "versions": [], "start": ""}


def test_workbook_opens_with_french_headers_and_formats(rural):
    etude, _ = rural
    book = openpyxl.load_workbook(etude.run_dir / "rapport" / "rapport.xlsx")
    sheet = book["Heures par segment"]  # sheet names of the data dictionary
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Libellé", "Participants", "Heures réalisées"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    share_col = headers.index("Part des heures") + 1
    assert sheet.cell(row=2, column=share_col).number_format == "0.0%"
    segments = book["Classement des segments"]
    assert [c.value for c in segments[1]][:3] == ["Rang", "Segment", "Score"]
    assert segments.max_row == 22  # 21 segments + header


def test_pdf_fallback_when_weasyprint_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # « import weasyprint » raises ImportError
    result = report.write_pdf("<html><body><p>x</p></body></html>", tmp_path)
    assert result.path is None
    assert "PDF non produit" in result.message
    text = (tmp_path / report.REPORT_DIR / report.NO_PDF_NAME).read_text(encoding="utf-8")
    assert "n'a pas été produit" in text and "WeasyPrint" in text and "Pango" in text
    assert not (tmp_path / report.PDF_NAME).exists()


def test_buyer_name_is_escaped(sample_runs, tmp_path):
    """A buyer named <script>…</script> in a copy of the territory is shown as text."""
    evil = "<script>alert(1)</script>"
    territory = tmp_path / "territoire"
    shutil.copytree(TERRITOIRES_DIR / "rural-exemple", territory)
    yaml_path = territory / "territoire.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(text.replace('nom: "Territoire rural exemple"', f'nom: "{evil}"'), encoding="utf-8")
    run = tmp_path / "run"
    shutil.copytree(sample_runs["rural-exemple"], run, ignore=shutil.ignore_patterns("rapport"))
    decision = run / "tables" / "decision_publics_prioritaires.parquet"
    table = pd.read_parquet(decision)
    table.loc[0, "libelle"] = evil
    table.to_parquet(decision)
    (run / "manifest.json").unlink()
    etude = open_study(territory, 2025, run)
    html = report.build_report(etude).html
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


def test_argument_sheets_are_named_by_buyer_and_segment():
    buyers = [{"siret": "222", "nom": "Ville B"}, {"siret": "111", "nom": "Département A"}]
    groups = report.sheet_links(["111_restauration.html", "222_restauration.html", "222_nettoyage_locaux.html",
                                 "999_segment_inconnu.html"], buyers)
    labels = segment_labels()
    assert [g["title"] for g in groups] == ["Ville B (SIRET 222)", "Département A (SIRET 111)", "SIRET 999"]
    assert [link["text"] for link in groups[0]["links"]] == sorted([labels["restauration"], labels["nettoyage_locaux"]])
    assert groups[0]["links"][0]["href"] == "../argumentaires/222_nettoyage_locaux.html"
    assert groups[2]["links"] == [{"href": "../argumentaires/999_segment_inconnu.html", "text": "segment_inconnu"}]


def test_the_report_shows_last_year_key_figures_beside_this_year(sample_runs, tmp_path):
    """The annual run: the latest finished run of the year before, in the same reports folder, gives the key
    figures shown beside this year's; a failed run of that year is not used."""
    source = sample_runs["metropole-exemple"]
    last_year = tmp_path / "metropole-exemple" / "2024" / "20250110-090000-aaaaaa"
    failed = tmp_path / "metropole-exemple" / "2024" / "20250111-090000-bbbbbb"
    this_year = tmp_path / "metropole-exemple" / "2025" / "20260110-090000-cccccc"
    for target in (last_year, failed, this_year):
        shutil.copytree(source, target)
    manifest = json.loads((failed / "manifest.json").read_text(encoding="utf-8"))
    (failed / "manifest.json").write_text(json.dumps({**manifest, "statut": "échec"}), encoding="utf-8")
    etude = open_study(TERRITOIRES_DIR / "metropole-exemple", 2025, this_year)
    context = report.run_context(this_year, etude)
    assert context["previous"]["annee"] == 2024 and context["previous"]["run_id"] == last_year.name
    assert context["previous"]["figures"]["Heures d'insertion réalisées"] == "231\u202f180"
    html = report.render_html(context)
    assert '<span class="precedent">en 2024 : 231\u202f180</span>' in html
    assert f"Chiffres de 2024 : run {last_year.name}, le dernier terminé" in html
    # no run the year before: nothing beside the figures
    alone = report.run_context(source, open_study(TERRITOIRES_DIR / "metropole-exemple", 2025, source))
    assert alone["previous"] is None and 'class="precedent"' not in report.render_html(alone)


def test_every_sheet_of_the_report_workbook_has_a_short_dictionary_name(tmp_path):
    """rapport.xlsx: one sheet per published table, named by the data dictionary (≤ 31 characters, never cut,
    no « / » turned into « _ »)."""
    import openpyxl

    from diversification.inputs.referentiels import sheet_names

    names = sheet_names()
    specs = [spec for specs in report.SECTION_TABLES.values() for spec in specs]
    assert [spec.name for spec in specs if spec.name not in names] == []
    tables = {spec.name: pd.DataFrame({column: [1] for column in spec.columns}) for spec in specs}
    path = report.write_workbook(tables, tmp_path / "rapport.xlsx")
    sheets = openpyxl.load_workbook(path).sheetnames
    assert sheets == [names[spec.name] for spec in specs]
    assert "Avant et après" in sheets and "Profils par type de clause" in sheets
    assert all(len(sheet) <= 31 and "_" not in sheet for sheet in sheets)


class _FakeStudy:
    """What data_date reads of a study: a run folder, the DECP input."""

    def __init__(self, decp_dates):
        self.run_dir = Path("run")
        self._decp = pd.DataFrame({"dateNotification": pd.to_datetime(decp_dates)})

    def available(self, key):
        return key == "decp" and not self._decp.empty

    def table(self, key):
        return self._decp.copy()


def test_data_date_is_the_data_s_not_the_files_nor_the_run_s():
    coverage = pd.DataFrame({"année": [2023, 2024, 2025, 2026],
                             "Suivi des clauses sociales": [10, 12, 0, 0], "Données de la commande publique (DECP)": [3, 4, 5, 0]})
    study = _FakeStudy(["2024-03-01", "2025-11-14", None, "2025-02-28"])
    assert report.data_date(study, {"controle_couverture_annees": coverage}) == "2025 (dernier marché notifié le 14/11/2025)"
    assert report.data_date(_FakeStudy([]), {"controle_couverture_annees": coverage}) == "2025"
    assert report.data_date(study, {}) == "dernier marché notifié le 14/11/2025"
    assert report.data_date(_FakeStudy([]), {}) == ""


def test_the_report_gives_the_data_date_and_lists_phase_10_in_its_sommaire(rural):
    html = rural[1].html
    assert "<dt>Date des données</dt><dd>2025 (dernier marché notifié le 14/11/2025)</dd>" in html
    sommaire = html.split('id="titre-sommaire"')[1].split("</nav>")[0]
    assert '<a href="#phase-10">10 – Synthèse</a>' in sommaire
    assert sommaire.index("#phase-09") < sommaire.index("#phase-10") < sommaire.index("#secret-statistique")
    assert '<section class="phase" id="phase-10">' in html


def test_labelled_heads_a_column_of_segment_names_as_the_report_does():
    """Notebooks 08 and 09: a ``libelle`` column of segment names is headed « Segment » (the report's word for a
    segment name, label of ``segment_libelle`` in colonnes_affichees), not « Libellé »; other headers unchanged."""
    table = pd.DataFrame({"id_achat": ["PA-1"], "libelle": ["Restauration"], "heures_recommandees": [70]})
    assert report.labelled(table, "volumes_insertion").columns.tolist() == ["Achat", "Libellé", "Heures recommandées"]
    assert report.labelled(table, "volumes_insertion", segment_names=True).columns.tolist() == [
        "Achat", "Segment", "Heures recommandées"]
    assert report.labelled(table, segment_names=True)["Segment"].tolist() == ["Restauration"]
