"""Personal data never leaves prive/: a scan of every published file of every sample study."""

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from diversification.inputs.config import load_config
from diversification.indicators.disclosure import check_no_small_counts
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.inputs.pseudonymisation import SALT_FILE_NAME

SAMPLES = ["metropole-exemple", "rural-exemple", "exports-bruts"]

pytestmark = pytest.mark.e2e

PSEUDONYM = re.compile(r"P-[0-9a-f]{20}")
#: Columns of published tables that count participants (people), subject to disclosure control.
PARTICIPANT_COUNT_COLUMNS = {"participants", "effectif", "sorties", "sorties_positives", "beneficiaires"}


def raw_identifiers(territory: str) -> set[str]:
    """Participant identifiers as they appear in the territory's follow-up file."""
    folder = TERRITOIRES_DIR / territory
    text = (folder / "suivi_clauses.csv").read_bytes().decode("utf-8", errors="replace")
    return set(re.findall(r"PART-\d{4,}", text))


def published_files(run_dir: Path) -> list[Path]:
    return [p for p in run_dir.rglob("*") if p.is_file() and "prive" not in p.relative_to(run_dir).parts]


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF, read by pypdf (a pip library: no system program needed)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def file_text(path: Path) -> str:
    """Everything a person or a program can read in a published file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path).to_csv(index=False)
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist() if n.endswith(".xml"))
    if suffix == ".pdf":
        return pdf_text(path) + path.read_bytes().decode("latin-1")
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.parametrize("territory", SAMPLES)
def test_no_pseudonym_nor_raw_identifier_outside_prive(sample_runs, territory):
    run_dir = sample_runs[territory]
    private = pd.read_parquet(run_dir / "prive" / "suivi_clauses.parquet")
    pseudonyms = set(private["participant_id"])
    assert pseudonyms and all(PSEUDONYM.fullmatch(p) for p in pseudonyms)
    raw = raw_identifiers(territory)
    assert raw, "the sample follow-up file should hold raw identifiers"
    files = published_files(run_dir)
    assert len(files) > 10
    for path in files:
        text = file_text(path)
        found = PSEUDONYM.findall(text)
        assert not found, f"{path.relative_to(run_dir)}: pseudonym {found[0]}"
        leaked = [r for r in raw if r in text]
        assert not leaked, f"{path.relative_to(run_dir)}: raw identifier {leaked[0]}"
    assert not list(run_dir.rglob(SALT_FILE_NAME))


@pytest.mark.parametrize("territory", SAMPLES)
def test_published_participant_counts_respect_the_threshold(sample_runs, territory):
    run_dir = sample_runs[territory]
    threshold = load_config(TERRITOIRES_DIR / territory).secret_threshold
    problems = []
    for path in sorted((run_dir / "tables").glob("*.parquet")):
        table = pd.read_parquet(path)
        columns = [c for c in table.columns if c in PARTICIPANT_COUNT_COLUMNS or "participant" in c.lower()]
        columns = [c for c in columns if pd.api.types.is_numeric_dtype(table[c])]
        problems += [f"{path.name}: {p}" for p in check_no_small_counts(table, columns, threshold)]
    assert problems == []


def test_rural_report_shows_suppressed_cells(sample_runs):
    """Tiny counts: the rural territory's published tables do hide cells."""
    run_dir = sample_runs["rural-exemple"]
    hidden = 0
    for path in (run_dir / "tables").glob("*.parquet"):
        table = pd.read_parquet(path)
        for column in table.columns:
            if column in PARTICIPANT_COUNT_COLUMNS:
                hidden += int(table[column].isna().sum())
    assert hidden > 0
    notebook = json.loads((run_dir / "notebooks" / "01_etat_des_lieux.ipynb").read_text(encoding="utf-8"))
    assert "secret statistique" in json.dumps(notebook, ensure_ascii=False)


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (Helvetica), with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_is_read_without_any_system_program(tmp_path, monkeypatch):
    """The scan reads a PDF's text with no program on the PATH (no poppler's pdftotext on a fresh machine)."""
    path = tmp_path / "rapport.pdf"
    path.write_bytes(minimal_pdf("Participant PART-0042 suivi"))
    monkeypatch.setenv("PATH", str(tmp_path / "vide"))
    text = file_text(path)
    assert "PART-0042" in pdf_text(path)
    assert "PART-0042" in text
