"""« Le territoire parmi ses pairs » in the study (issue 20.3): the report's block rendered from the published tables,
the argument sheets' peer citation, and both sample territories end to end (real ranks from their national file)."""

import re

import pandas as pd
import pytest

from diversification.decisions import arguments
from diversification.indicators import peer_cache, peers
from diversification.inputs.config import load_config
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.inputs.segments import segment_labels
from diversification.publish import report

from test_peers import national_fixture

EVERYONE = ["01", "02", "03", "04"]


@pytest.fixture(scope="module")
def published():
    """The section's tables of department 01 on the small national fixture (buyers of at least 3 contracts)."""
    placed = peers.attach_departments(national_fixture())
    indicators = peers.department_segment_indicators(placed)
    buyers = peers.buyer_segment_indicators(placed, 3)
    return peers.section_tables(indicators, buyers, "01", EVERYONE, "liste « pairs » de territoire.yaml",
                                segment_labels())


def test_report_block_shows_rank_median_and_example_from_the_published_tables(published):
    block = report.peers_section(published)
    assert block["title"] == "Le territoire parmi ses pairs" and "Département 01" in block["note"]
    headers = block["table"]["headers"]
    rows = {row[0]["text"]: {h: c["text"] for h, c in zip(headers, row)} for row in block["table"]["rows"]}
    cleaning = rows["Nettoyage des locaux"]
    # cleaning: 01 → 0.1, 02 → 1/3, 03 → 0.5, 04 → 0; 01 is 3rd of 4; median (0.1 + 1/3) / 2 = 21.67 %
    assert cleaning["Part du territoire"] == "10,0\u202f%"
    assert cleaning["Rang national"] == "3ᵉ sur 4"
    assert cleaning["Médiane des pairs"] == "21,7\u202f%"
    assert cleaning["Écart à la médiane"].startswith("−11,7")
    assert cleaning["Exemple parmi les pairs"] == ("Département 03 (50,0\u202f%) : Bailleur Gamma, 2 marchés avec "
                                                   "considération sociale")
    assert rows["BTP – gros œuvre"]["Rang national"] == "1er sur 1"
    assert block["chart"]["png"] and block["chart"]["alt"].endswith("parmi ses pairs")


def test_report_workbook_has_the_peers_sheet_with_numbers_as_numbers(published, tmp_path):
    import openpyxl

    path = report.write_workbook(published, tmp_path / "rapport.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Parmi les pairs"]
    rows = list(book["Parmi les pairs"].iter_rows(values_only=True))
    header = rows[0]
    cleaning = dict(zip(header, next(r for r in rows[1:] if r[0] == "Nettoyage des locaux")))
    # cleaning: 01 → 0.1, 02 → 1/3, 03 → 0.5, 04 → 0 (the block's test above): numbers, not text
    assert cleaning["Part du territoire"] == pytest.approx(0.1)
    assert cleaning["Médiane des pairs"] == pytest.approx((0.1 + 1 / 3) / 2)
    assert cleaning["Écart à la médiane (points)"] == pytest.approx(-11.67, abs=0.01)
    assert cleaning["Rang national"] == "3ᵉ sur 4"
    assert cleaning["Exemple parmi les pairs"].startswith("Département 03 (50,0")
    cell = book["Parmi les pairs"].cell(row=2, column=header.index("Part du territoire") + 1)
    assert cell.number_format == "0.0%"


def test_report_block_says_no_data_for_a_segment_the_territory_has_no_contract_in():
    placed = peers.attach_departments(national_fixture())
    tables = peers.section_tables(peers.department_segment_indicators(placed), peers.buyer_segment_indicators(placed, 3),
                                  "02", EVERYONE, "liste", segment_labels())
    block = report.peers_section(tables)
    headers = block["table"]["headers"]
    rows = {row[0]["text"]: {h: c["text"] for h, c in zip(headers, row)} for row in block["table"]["rows"]}
    # 02 has no construction contract: « — » for its share, its rank and the gap (01 is the only department there)
    btp = rows["BTP – gros œuvre"]
    assert (btp["Part du territoire"], btp["Rang national"], btp["Écart à la médiane"]) == ("—", "—", "—")
    assert btp["Médiane des pairs"] == "100,0 %" and btp["Marchés du territoire"] == "0"
    assert rows["Nettoyage des locaux"]["Rang national"] == "2ᵉ sur 4"  # 1/3, after 03 (0.5)


def test_report_block_without_national_file_says_how_to_add_one():
    block = report.peers_section(peers.no_file_tables())
    assert block["table"] is None and block["chart"] is None
    assert "decp_nationale" in block["note"] and "territoire.yaml" in block["note"]
    assert report.peers_section({}) is None  # a run made before the section existed


def test_argument_sheet_cites_a_peer_example(published):
    citation = arguments.peer_citation(published[peers.TABLE_NAME], "nettoyage_locaux")
    assert citation == {"territoire": "10,0\u202f%", "mediane": "21,7\u202f%", "rang": "3ᵉ sur 4",
                        "exemple": "Département 03 (50,0\u202f%) : Bailleur Gamma, 2 marchés avec considération sociale"}
    # construction: only 01 has contracts, no peer example
    assert arguments.peer_citation(published[peers.TABLE_NAME], "btp_gros_oeuvre")["exemple"] == arguments.NO_PEER_EXAMPLE
    assert arguments.peer_citation(None, "nettoyage_locaux") is None
    from test_arguments import _context

    context = _context("Ville <b>")
    context["pairs"] = citation
    html = arguments.render_sheet(context)
    assert "Parmi les départements comparables" in html and "Bailleur Gamma, 2 marchés" in html
    assert "rang national : 3ᵉ sur 4" in html
    context["pairs"] = None
    assert "Parmi les départements comparables" not in arguments.render_sheet(context)


def _rank_by_hand(departements: pd.DataFrame, segment: str, departement: str) -> tuple[int, int]:
    values = departements.loc[departements["segment"] == segment].set_index("departement")["part_nb"].dropna()
    return int((values > values[departement]).sum()) + 1, len(values)


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["metropole-exemple", "rural-exemple"])
def test_sample_territories_show_their_real_ranks_in_the_report(sample_runs, tmp_path, name):
    run = sample_runs[name]
    table = pd.read_parquet(run / "tables" / f"{peers.TABLE_NAME}.parquet").set_index("segment")
    html = (run / "rapport" / "rapport.html").read_text(encoding="utf-8")
    assert "<h3>Le territoire parmi ses pairs</h3>" in html
    import openpyxl

    assert "Parmi les pairs" in openpyxl.load_workbook(run / "rapport" / "rapport.xlsx").sheetnames
    cfg = load_config(TERRITOIRES_DIR / name)
    found = peer_cache.national_peer_indicators(cfg.national_decp, tmp_path)  # recomputed, in a fresh cache
    ranked = table.dropna(subset=["rang"])
    assert len(ranked) >= 5
    for segment, row in ranked.iterrows():
        assert (row["rang"], row["nb_departements"]) == _rank_by_hand(found.departements, segment, "99")
        assert f"{int(row['rang'])}{'er' if row['rang'] == 1 else 'ᵉ'} sur {int(row['nb_departements'])}" in html
    assert ranked["nb_departements"].max() > 80  # ranked among the ~101 departments of the generated file


@pytest.mark.e2e
def test_argument_sheets_of_the_sample_cite_a_peer(sample_runs):
    run = sample_runs["metropole-exemple"]
    table = pd.read_parquet(run / "tables" / f"{peers.TABLE_NAME}.parquet")
    sheets = sorted((run / "argumentaires").glob("*.html"))
    assert sheets
    for sheet in sheets:
        segment = sheet.stem.partition("_")[2]
        citation = arguments.peer_citation(table, segment)
        html = sheet.read_text(encoding="utf-8")
        assert "Parmi les départements comparables" in html
        assert re.search(r"Exemple : Département \w+ \(", html) or arguments.NO_PEER_EXAMPLE in html
        assert citation["rang"] in html


@pytest.mark.e2e
def test_without_national_file_the_report_says_how_to_add_one(sample_runs):
    run = sample_runs["exports-bruts"]
    assert not (run / "tables" / f"{peers.TABLE_NAME}.parquet").exists()
    html = (run / "rapport" / "rapport.html").read_text(encoding="utf-8")
    assert "Aucun fichier DECP national n&#39;est configuré" in html and "decp_nationale" in html
    assert "Parmi les départements comparables" not in "".join(
        p.read_text(encoding="utf-8") for p in (run / "argumentaires").glob("*.html"))


def test_chart_places_each_department_on_its_segment_row(published):
    """The chart draws the peers (grey) and the territory (red) from the distribution table: on the fixture, cleaning
    (row of its label's order) has the 3 peers at 33.3 %, 50 % and 0 % and the territory at 10 %; construction
    (gros œuvre) has the territory alone at 100 %."""
    labels = segment_labels()
    distribution = published[peers.DISTRIBUTION_NAME]
    figure = peers.chart_peers.__wrapped__(distribution, labels)  # drawn anew, not the figure remembered by figure_memo
    grey, red = figure.axes[0].collections
    shown = [s for s in labels if s in set(distribution["segment"])]
    row = {s: i for i, s in enumerate(shown)}
    peers_points = sorted((float(y), round(float(x), 1)) for x, y in grey.get_offsets())
    assert peers_points == sorted([(row["nettoyage_locaux"], v) for v in (33.3, 50.0, 0.0)])
    territory = sorted((float(y), round(float(x), 1)) for x, y in red.get_offsets())
    assert territory == sorted([(row["nettoyage_locaux"], 10.0), (row["btp_gros_oeuvre"], 100.0)])
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["Départements pairs", "Le territoire"]
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == [labels[s] for s in shown]
