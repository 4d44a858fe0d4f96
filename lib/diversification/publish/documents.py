"""Documents of a phase written into the run folder through the publishing gate (docs/ARCHITECTURE.md).

* :func:`write_check_outputs` (phase 00): the controlled inputs (``donnees/``; participant rows and rejects, which
  may quote their values, in ``prive/``) and the quality tables (``tables/``);
* :func:`write_sheets` (phase 05): one argument sheet per partner buyer and priority segment (``argumentaires/``).
"""

from __future__ import annotations

from pathlib import Path

from diversification.decisions.arguments import ArgumentSheet
from diversification.inputs.quality import DataCheck
from diversification.publish import gate
from diversification.publish.safe_output import write_csv, write_parquet
from diversification.publish.study import PRIVATE_INPUTS

QUALITY_TABLES = ("controle_synthese", "controle_motifs_rejet", "controle_couverture_annees",
                  "controle_couverture_acheteurs", "controle_couverture_segments")


def write_check_outputs(check: DataCheck, run_dir: str | Path) -> list[Path]:
    """Write the loaded inputs and the quality tables of phase 00 into the run folder."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for key, result in check.data.inputs.items():
        if result.status != "chargée":
            continue
        private = key in PRIVATE_INPUTS
        folder = gate.PRIVATE_DIR if private else "donnees"
        written.append(gate.write_with(run_dir, f"{folder}/{key}.parquet",
                                       lambda p, table=result.table: write_parquet(table, p),
                                       kind="entrée contrôlée", private=private))
    written.append(gate.write_with(run_dir, f"{gate.PRIVATE_DIR}/rejets.csv",
                                   lambda p: write_csv(check.data.rejects(), p), kind="rejets", private=True))
    frames = (check.synthese, check.motifs, check.annees, check.acheteurs, check.segments)
    threshold = check.data.config.secret_threshold
    for name, frame in zip(QUALITY_TABLES, frames):
        written.append(gate.publish_table(run_dir, name, frame, threshold=threshold))
    return written


def write_sheets(sheets: list[ArgumentSheet], run_dir: str | Path) -> list[Path]:
    """Write every sheet as ``argumentaires/<siret>_<segment>.html`` of the run folder (nothing if exploring)."""
    if not run_dir:
        return []
    return [gate.write_text(run_dir, f"argumentaires/{sheet.filename}", sheet.html, kind="fiche argumentaire")
            for sheet in sheets]
