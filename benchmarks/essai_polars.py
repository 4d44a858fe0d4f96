"""Trial (not run by ``make bench``): the national ingest's main rules as a polars pipeline, to measure the engine.

Issue 20.4 asks for read + clean + aggregate ≤ 2× a bare ``pyarrow.csv.read_csv`` at ≤ 600 MB. This script
measures how far polars gets with a simplified rule set (trimming and missing tokens on every column, the
versions of a contract kept at the first row of the lowest version, plain amounts, ISO or « jj/mm/aaaa »
dates, separators removed from the identifiers, CPV prefix → segment, duplicate contracts, department ×
segment totals): fewer rules than ``national.py`` (no rejects log, no holders' lists, no odd number forms),
so its times are a lower bound for a polars engine. Each mode runs in its own process (peak memory per mode).

polars is not a dependency of the kit; run it in a separate environment::

    python3.11 -m venv /tmp/pl && /tmp/pl/bin/pip install polars pyarrow
    for m in lecture-pyarrow lecture-polars complet complet-flux ligne-a-ligne-flux; do
        /tmp/pl/bin/python benchmarks/essai_polars.py $m /tmp/diversification-bench-decp-1500000.csv; done

(the CSV is the one ``benchmarks/bench.py`` generates). As in ``bench.py``, let the machine settle before each mode
(``python -c "import numpy as np; a = np.ones(2_500_000_000 // 8)"``): just after a heavy process, the page reclaim
makes a read 2 to 4 times slower. Figures of 7 December 2026: benchmarks/README.md.
"""

from __future__ import annotations

import resource
import sys
import time

MODES = ("lecture-pyarrow", "lecture-polars", "complet", "complet-flux", "ligne-a-ligne-flux")
MISSING = ["", "NC", "nc", "N/A", "n/a", "-", "NA", "null", "None"]


def pipeline(pl, path: str, *, versions: bool):
    """The lazy frame of the cleaned contracts (``versions``: with the rules that group rows, which polars'
    streaming engine cannot run in bounded memory)."""
    frame = pl.scan_csv(path, infer_schema=False, quote_char='"')
    names = frame.collect_schema().names()

    def clean(name):
        text = pl.col(name).str.strip_chars()
        return pl.when(text.is_in(MISSING)).then(None).otherwise(text).alias(name)

    frame = frame.with_row_index("rang", 1).with_columns([clean(c) for c in names if c != "modification_id"])
    frame = frame.with_columns(
        k=pl.coalesce("uid", pl.concat_str([pl.col("acheteur_id").fill_null(""), pl.col("id").fill_null("")])),
        v=pl.col("modification_id").cast(pl.Float64, strict=False).fill_null(0))
    if versions:  # the first row of the lowest version of each contract
        frame = frame.with_columns(vmin=pl.col("v").min().over("k"), nv=pl.col("v").n_unique().over("k"))
        frame = frame.filter(pl.col("v") == pl.col("vmin")).filter(pl.col("rang") == pl.col("rang").min().over("k"))
    frame = frame.with_columns(
        montant_num=pl.col("montant").cast(pl.Float64, strict=False),
        date=pl.coalesce(pl.col("dateNotification").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
                         pl.col("dateNotification").str.to_date("%d/%m/%Y", strict=False)),
        acheteur=pl.col("acheteur_id").str.replace_all(r"[\s.\-]", ""),
        titulaire=pl.col("titulaire_id").str.replace_all(r"[\s.\-]", ""),
        cpv=pl.col("codeCPV").str.extract(r"^(\d{8})", 1),
        departement=pl.col("lieuExecution_code").str.slice(0, 2),
        clause=pl.col("considerationsSociales").str.contains("(?i)clause"))
    frame = frame.filter(pl.col("date").is_not_null() & pl.col("acheteur").is_not_null() & pl.col("id").is_not_null())
    if versions:  # duplicate contracts: the first one of the same id, buyer, holder, amount and date
        frame = frame.filter(pl.struct("id", "acheteur", "titulaire", "montant_num", "date").is_first_distinct())
    segments = pl.DataFrame({"p2": [f"{i:02d}" for i in range(100)],
                             "segment": [f"S{i % 20}" for i in range(100)]}).lazy()
    return frame.with_columns(p2=pl.col("cpv").str.slice(0, 2)).join(segments, on="p2", how="left",
                                                                      maintain_order="left")


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        sys.exit(f"usage : essai_polars.py {{{'|'.join(MODES)}}} fichier.csv")
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "lecture-pyarrow":  # the floor, without polars imported
        import pyarrow.csv as pacsv
        start = time.perf_counter()
        rows = pacsv.read_csv(path).num_rows
        report(mode, start, rows)
        return
    try:
        import polars as pl
    except ImportError:
        sys.exit("polars absent : installez-le dans un environnement à part (pip install polars pyarrow).")
    start = time.perf_counter()
    if mode == "lecture-polars":
        rows = pl.read_csv(path, infer_schema=False).height
    else:
        frame = pipeline(pl, path, versions=mode != "ligne-a-ligne-flux")
        totals = [pl.len(), pl.col("clause").sum(), pl.col("montant_num").sum()]
        if mode == "complet":  # the cleaned table in memory, as clean_national returns it
            table = frame.collect()
            table.group_by("departement", "segment").agg(totals)
            rows = table.height
        else:  # streamed to a Parquet file, then aggregated from it
            target = f"/tmp/essai-polars-{mode}.parquet"
            frame.sink_parquet(target, engine="streaming")
            rows = pl.scan_parquet(target).group_by("departement", "segment").agg(totals).collect()["len"].sum()
    report(mode, start, rows)


def report(mode: str, start: float, rows: int) -> None:
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{mode} : {elapsed:.2f} s, {rows} lignes, pic {peak:.0f} Mo")


if __name__ == "__main__":
    main()
