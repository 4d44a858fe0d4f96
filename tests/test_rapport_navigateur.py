"""The HTML report in a real browser (headless Debian chromium) and the PDF pages as images.

Chromium renders a copy of the report at a phone width (390 px) with a small
script appended that writes its checks into the DOM (every image decoded, no
horizontal scroll of the page, tables scrolling in their own container); the
DOM is read back with ``--dump-dom``. A screenshot is kept in
``tests/artefacts/`` (git-ignored). The first pages of the PDF are turned into
PNG images with ``pdftoppm`` and must not be blank.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diversification.publish import report
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.publish.study import open_study

CHROMIUM = "chromium"  # Debian's headless-capable browser (SYSTEM_PROGRAMS in conftest.py)
ARTEFACTS = Path(__file__).parent / "artefacts"
PHONE_WIDTH = 390

CHECK_SCRIPT = """
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var wrappers = Array.prototype.slice.call(document.querySelectorAll(".tableau"));
  var result = {
    images: imgs.length,
    broken: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length,
    tooWideImages: imgs.filter(function (i) { return i.getBoundingClientRect().width > window.innerWidth + 1; }).length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wrappersTooWide: wrappers.filter(function (w) { return w.getBoundingClientRect().right > window.innerWidth + 1; }).length,
    scrollingTables: wrappers.filter(function (w) { return w.scrollWidth > w.clientWidth; }).length,
    sections: document.querySelectorAll("section.phase").length,
    brokenAnchors: Array.prototype.slice.call(document.querySelectorAll('a[href^="#"]')).filter(function (a) {
      return !document.getElementById(a.getAttribute("href").slice(1)); }).length
  };
  parent.postMessage(JSON.stringify(result), "*");
});
</script>
"""

#: A page framing the report at the phone width (headless chromium keeps its window at least 500 px wide);
#: the report posts its checks to this page, which writes them into its own DOM for ``--dump-dom``.
FRAME_PAGE = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="rapport_test.html" width="{width}" height="844" style="border:0"></iframe>
<script>
window.addEventListener("message", function (event) {{
  var pre = document.createElement("pre");
  pre.id = "resultat-test";
  pre.textContent = event.data;
  document.body.appendChild(pre);
}});
</script></body></html>
"""


def chromium_args(profile: Path) -> list[str]:
    return [shutil.which(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--hide-scrollbars", "--virtual-time-budget=5000"]


@pytest.fixture(scope="module")
def metropole_report(sample_runs, tmp_path_factory) -> Path:
    """The report folder of a copy of the metropole run (the shared run folder is not written)."""
    run = tmp_path_factory.mktemp("metropole") / "run"
    shutil.copytree(sample_runs["metropole-exemple"], run, ignore=shutil.ignore_patterns("rapport", "prive"))
    report.build_report(open_study(TERRITOIRES_DIR / "metropole-exemple", 2025, run))
    return run / "rapport"


@pytest.mark.programme_systeme(CHROMIUM)
def test_report_renders_on_a_phone_in_chromium(metropole_report, tmp_path):
    page = tmp_path / "rapport_test.html"
    html = (metropole_report / "rapport.html").read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", CHECK_SCRIPT + "</body>"), encoding="utf-8")
    frame = tmp_path / "cadre.html"
    frame.write_text(FRAME_PAGE.format(width=PHONE_WIDTH), encoding="utf-8")
    args = chromium_args(tmp_path / "profil") + [f"--window-size={PHONE_WIDTH},844"]
    dom = subprocess.run(args + ["--dump-dom", frame.as_uri()], capture_output=True, text=True, timeout=60).stdout
    found = re.search(r'<pre id="resultat-test">(.*?)</pre>', dom, re.S)
    assert found, "the check script did not run in chromium"
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result["innerWidth"] == PHONE_WIDTH
    assert result["images"] >= 5 and result["broken"] == 0 and result["tooWideImages"] == 0
    assert result["scrollWidth"] <= result["innerWidth"], result   # no horizontal scroll of the page
    assert result["wrappersTooWide"] == 0 and result["scrollingTables"] >= 1  # wide tables scroll in their box
    assert result["sections"] >= 12 and result["brokenAnchors"] == 0

    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "rapport_telephone.png"
    shot.unlink(missing_ok=True)
    subprocess.run(args[:-1] + [f"--window-size={PHONE_WIDTH},2400", f"--screenshot={shot}",
                                (metropole_report / "rapport.html").as_uri()],
                   capture_output=True, timeout=60, check=False)
    assert shot.is_file() and shot.stat().st_size > 10_000


@pytest.mark.programme_systeme("pdftoppm")
def test_pdf_first_pages_are_not_blank(metropole_report, tmp_path):
    pdf = metropole_report / "rapport.pdf"
    if not pdf.exists():
        pytest.skip("PDF non produit (WeasyPrint ou Pango absent : « apt-get install libpango-1.0-0 "
                    "libpangoft2-1.0-0 ») : " +
                    (metropole_report / report.NO_PDF_NAME).read_text(encoding="utf-8"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "4", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 4
    from PIL import Image, ImageStat

    ARTEFACTS.mkdir(exist_ok=True)
    for page in pages:
        image = Image.open(page).convert("L")
        assert ImageStat.Stat(image).var[0] > 50, f"{page.name} looks blank"
        shutil.copy(page, ARTEFACTS / f"rapport_pdf_{page.name}")
