"""Golden test: the key figures of both sample territories, read from the run folders of a finished study, equal
the committed ``tests/golden/chiffres_cles_<territoire>.csv``.

The figures are raw values (no French formatting) read from the published tables of the run folder only, so that
a change of formatting does not hide a change of result, and a change of result is never taken for formatting:
the indicators of phase 01 (``etat_des_lieux_indicateurs``), the decisions of phases 02, 04 and 06 (retained /
total, and the retained identifiers in rank order), the recommended insertion hours of phase 08 and the phases done
(phase 10).

A deliberate change of result: regenerate the files with
``.venv/bin/python -m pytest tests/test_chiffres_cles_golden.py --regenerer-golden -p no:cacheprovider``
(see ``tests/golden/README.md``) and explain the change in the commit message.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
TERRITORIES = ["metropole-exemple", "rural-exemple"]
#: Absolute tolerance on a number (the values are sums and ratios of the sample data).
TOLERANCE = 1e-9
DECISIONS = [("publics_prioritaires", "public_id"), ("segments_prioritaires", "segment_id"),
             ("marches_cibles", "id_achat")]


def _number(value) -> str:
    if value is None or pd.isna(value):
        return "NA"
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 12))


def key_figures(run_dir: Path) -> dict[str, str]:
    """``{figure: value}`` of a finished run, read from its ``tables/`` folder (values as text: a number, « NA »,
    or identifiers joined by « | »)."""
    tables = Path(run_dir) / "tables"
    figures: dict[str, str] = {}
    indicators = pd.read_parquet(tables / "etat_des_lieux_indicateurs.parquet")
    for row in indicators.itertuples(index=False):
        figures[f"indicateur.{row.indicateur}"] = _number(row.valeur)
    for name, id_column in DECISIONS:
        table = pd.read_parquet(tables / f"decision_{name}.parquet")
        kept = table[table["retenu"].astype(bool)]
        if "rang" in kept.columns:
            kept = kept.sort_values("rang", kind="stable")
        figures[f"decision.{name}.retenus"] = str(len(kept))
        figures[f"decision.{name}.total"] = str(len(table))
        figures[f"decision.{name}.identifiants_retenus"] = "|".join(map(str, kept[id_column]))
    volumes = pd.read_parquet(tables / "volumes_insertion.parquet")
    figures["volumes.lignes"] = str(len(volumes))
    figures["volumes.heures_recommandees"] = _number(volumes["heures_recommandees"].fillna(0).sum())
    phases = pd.read_parquet(tables / "synthese_phases.parquet")
    figures["phases.realisees"] = str(int((phases["Statut"] == "réalisée").sum()))
    figures["phases.total"] = str(len(phases))
    return figures


def golden_path(territory: str) -> Path:
    return GOLDEN_DIR / f"chiffres_cles_{territory}.csv"


def write_golden(path: Path, figures: dict[str, str]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["chiffre", "valeur"])
        writer.writerows(figures.items())


def read_golden(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["chiffre"]: row["valeur"] for row in csv.DictReader(handle)}


def _same(expected: str, found: str) -> bool:
    try:
        a, b = float(expected), float(found)
    except ValueError:
        return expected == found
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE)


@pytest.mark.parametrize("territory", TERRITORIES)
def test_key_figures_equal_the_golden_file(sample_runs, territory, request):
    figures = key_figures(sample_runs[territory])
    path = golden_path(territory)
    if request.config.getoption("--regenerer-golden"):
        write_golden(path, figures)
        pytest.skip(f"golden file rewritten: {path}")
    assert path.is_file(), f"no golden file {path}: run with --regenerer-golden"
    golden = read_golden(path)
    assert list(figures) == list(golden), "the list of key figures changed"
    differences = {k: (golden[k], figures[k]) for k in golden if not _same(golden[k], figures[k])}
    assert not differences, f"key figures changed (golden, now): {differences}"


def test_the_comparison_can_fail(tmp_path):
    """The comparison sees a changed number, a changed identifier and a missing figure (hand-made run folder)."""
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame({"indicateur": ["heures_realisees", "part_top5_entreprises"], "valeur": [1500.0, None]}).to_parquet(
        tables / "etat_des_lieux_indicateurs.parquet")
    for name, id_column in DECISIONS:
        pd.DataFrame({id_column: ["b", "a", "c"], "rang": [2, 1, 3], "retenu": [True, True, False]}).to_parquet(
            tables / f"decision_{name}.parquet")
    pd.DataFrame({"heures_recommandees": [100.5, None, 20.25]}).to_parquet(tables / "volumes_insertion.parquet")
    pd.DataFrame({"Statut": ["réalisée", "non réalisée"]}).to_parquet(tables / "synthese_phases.parquet")
    figures = key_figures(tmp_path)
    assert figures["indicateur.heures_realisees"] == "1500"
    assert figures["indicateur.part_top5_entreprises"] == "NA"
    assert figures["decision.segments_prioritaires.retenus"] == "2"
    assert figures["decision.segments_prioritaires.total"] == "3"
    assert figures["decision.segments_prioritaires.identifiants_retenus"] == "a|b"  # rank order
    assert figures["volumes.heures_recommandees"] == "120.75" and figures["volumes.lignes"] == "3"
    assert figures["phases.realisees"] == "1" and figures["phases.total"] == "2"
    path = tmp_path / "golden.csv"
    write_golden(path, figures)
    assert read_golden(path) == figures
    assert _same("120.75", "120.750000000001") and not _same("120.75", "120.76")
    assert not _same("a|b", "b|a") and _same("NA", "NA") and not _same("NA", "0")
