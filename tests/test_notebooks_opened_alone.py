"""Issue 19.2: every notebook opens and runs in JupyterLab with nothing typed.

The notebooks are copied into a temporary folder (no ``data_samples`` next to them, as in a copy of the kit) and
executed with nbclient, not papermill: nothing is injected, the ``parameters`` cell keeps its defaults. The
environment variable that ``make lab TERRITOIRE=…`` sets points them at ``rural-exemple``; the year is the one of
its ``territoire.yaml``. Opened alone, a notebook explores: it computes in memory what the earlier phases decide
(read from the run folder in a study) and writes nothing.
"""

import html as html_module
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from diversification.inputs import parameters
from test_learner_words import raw_headers

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
RURAL = ROOT / "data_samples" / "territoires" / "rural-exemple"


def _run(source: Path, folder: Path) -> nbformat.NotebookNode:
    """Execute a copy of ``source`` in ``folder`` (nothing injected); the executed notebook."""
    copy = folder / source.name
    shutil.copyfile(source, copy)
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    """Every text output of the executed notebook (stdout, plain text, HTML, Markdown)."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            for key in ("text/plain", "text/html", "text/markdown"):
                parts.append(str(out.get("data", {}).get(key, "")))
    return "\n".join(parts)


def _header_rows(nb: nbformat.NotebookNode) -> list[list[str]]:
    """The header rows of every table the executed notebook displays (pandas HTML), each as its non-empty cells."""
    rows = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = str(out.get("data", {}).get("text/html", ""))
            for head in re.findall(r"<thead>(.*?)</thead>", html, flags=re.S):
                for row in re.findall(r"<tr[^>]*>(.*?)</tr>", head, flags=re.S):
                    cells = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", row, flags=re.S)]
                    rows.append([h for h in cells if h])
    return rows


def _table_cells(nb: nbformat.NotebookNode, header: str) -> list[str]:
    """The body cells (values, not headers) of every table the executed notebook displays whose header has
    ``header``."""
    cells = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = str(out.get("data", {}).get("text/html", ""))
            for table in re.findall(r"<table[^>]*>(.*?)</table>", html, flags=re.S):
                head = re.search(r"<thead>(.*?)</thead>", table, flags=re.S)
                if head is None or f">{header}</th>" not in head.group(1):
                    continue
                body = re.search(r"<tbody>(.*?)</tbody>", table, flags=re.S)
                cells += [html_module.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                          for c in re.findall(r"<td[^>]*>(.*?)</td>", body.group(1) if body else "", flags=re.S)]
    return cells


def _headers(nb: nbformat.NotebookNode) -> list[str]:
    """The column headers of every table the executed notebook displays."""
    return [h for row in _header_rows(nb) for h in row]


def _repeated_headers(nb: nbformat.NotebookNode) -> list[str]:
    """The headers shown twice in one header row of one table (a label must be unique within a table)."""
    return [h for row in _header_rows(nb) for h in sorted({h for h in row if row.count(h) > 1})]


def test_every_notebook_runs_in_order_with_nothing_typed(tmp_path, monkeypatch):
    monkeypatch.setenv(parameters.TERRITORY_VARIABLE, str(RURAL))
    monkeypatch.delenv(parameters.YEAR_VARIABLE, raising=False)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    texts, headers, repeated, header_rows = {}, {}, {}, {}
    for source in NOTEBOOKS:
        nb = _run(source, folder)
        header_rows[source.stem] = _header_rows(nb)
        texts[source.stem], headers[source.stem], repeated[source.stem] = _text(nb), _headers(nb), _repeated_headers(nb)
        if source.stem == "01_etat_des_lieux":
            rules = _table_cells(nb, "Justification")  # the rules of the « axes de progrès »
    assert len(texts) == 11
    assert "Territoire rural exemple" in texts["05_argumentaire"]  # the argument sheet names the territory
    assert not any("Métropole Exemple" in t for t in texts.values())
    # issue 19.6: the tables of these notebooks have the report's column headers
    for name in ("00_controle_donnees", "01_etat_des_lieux", "02_besoins_emploi_insertion", "03_besoins_economiques",
                 "04_secteurs_prioritaires", "05_argumentaire", "06_mobilisation_acheteurs",
                 "07_partenariat_territorial", "08_volumes_insertion", "09_evaluation"):
        assert len(headers[name]) > 10
        assert raw_headers(headers[name]) == [], name
        assert repeated[name] == [], name
    assert {"Rang", "Segment", "Robustesse", "Note : offre inclusive", "Public"} <= set(headers["04_secteurs_prioritaires"])
    assert {"Lignes acceptées", "Fichiers", "Motif", "Marchés publiés (DECP)", "Segment d'achat", "Valeurs admises"} \
        <= set(headers["00_controle_donnees"])
    assert {"Heures prévues", "Taux de réalisation", "Part des heures dans le BTP et le nettoyage", "Modalité", "Condition"} \
        <= set(headers["01_etat_des_lieux"])
    # the rules table names each indicator by its label (« Indice de représentation : femmes »), no cell is an id
    assert len(rules) == 7 * 6 and raw_headers(rules) == []
    assert {"Part des heures dans le BTP et le nettoyage", "Indice de représentation : femmes",
            "Indice de représentation : seniors"} <= set(rules)
    assert {"Public", "Indice de représentation", "Sous-représentation", "Code ROME", "Métiers (ROME)"} \
        <= set(headers["02_besoins_emploi_insertion"])
    assert {"Marchés avec considération sociale", "Part des marchés avec considération sociale", "Nature de l'achat",
            "Référence nationale", "Code métier BMO", "Projets de recrutement", "Médiane des pairs"} \
        <= set(headers["03_besoins_economiques"])
    # 06-09: every header is a French label starting with a capital (no column id such as « nb_achats », « avant »)
    for name in ("06_mobilisation_acheteurs", "07_partenariat_territorial", "08_volumes_insertion", "09_evaluation"):
        assert [h for h in headers[name] if not h[0].isupper()] == [], name
    assert {"SIRET de l'acheteur", "Origine du seuil", "Règle", "Nombre minimal de lots", "Achats prévus",
            "Montant (€ HT)", "Point d'attention", "Montant estimé HT", "Provenance", "Acteur local"} \
        <= set(headers["06_mobilisation_acheteurs"])
    assert {"Rang", "Identifiant du segment", "Fédérations", "Structures inclusives locales", "Type d'acteur", "Rôle",
            "Commune", "À contacter", "Début", "Fin", "Période"} <= set(headers["07_partenariat_territorial"])
    assert {"Paramètre", "Unité", "Forme du marché", "Heures (méthode classique)", "Heures recommandées",
            "Règle du volume recommandé", "Marchés sans volume recommandé", "Alerte", "Élément"} \
        <= set(headers["08_volumes_insertion"])
    assert {"Marché", "Heures prévues", "Taux de réalisation", "Part (IC 95 %)", "SIRET de l'entreprise",
            "Nouvelle entreprise", "Taux de sorties positives", "IC 95 % bas", "Avant", "Après", "Évolution"} \
        <= set(headers["09_evaluation"])
    # 08-09: a column of segment names is headed as the report heads a segment name, not « Libellé » (which only
    # heads the names of the parameters of 08)
    for name in ("08_volumes_insertion", "09_evaluation"):
        assert "Segment" in headers[name], name
        assert [row for row in header_rows[name] if "Libellé" in row and "Paramètre" not in row] == [], name
    assert sum("Segment" in row for row in header_rows["08_volumes_insertion"]) == 3  # volumes, totals, alerts
    assert sum("Segment" in row for row in header_rows["09_evaluation"]) == 2  # hours by contract, new companies
    # nothing was written next to the notebooks (exploration), no run folder made
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in NOTEBOOKS)


def test_one_notebook_alone_uses_the_default_sample_territory(tmp_path, monkeypatch):
    monkeypatch.delenv(parameters.TERRITORY_VARIABLE, raising=False)
    monkeypatch.delenv(parameters.YEAR_VARIABLE, raising=False)
    text = _text(_run(ROOT / "notebooks" / "05_argumentaire.ipynb", tmp_path))
    assert "Exploration : aucun fichier écrit." in text
    assert "Métropole Exemple" in text
