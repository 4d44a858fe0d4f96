"""Issue 19.4: notebooks 04 and 08 in a real JupyterLab driven by headless Debian chromium (Playwright).

JupyterLab (started by :func:`diversification.run.lab.start_server`) serves a copy of the notebook next to a copy of
the sample territory in a temporary folder, so that « Retenir » never changes a committed file. The test runs all
cells, checks that no cell shows an error, moves a weight slider, checks that the ranking shown changes, clicks
« Retenir ces pondérations » and checks that territoire.yaml changed. Screenshots go to ``tests/artefacts/``.
"""

import contextlib
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from diversification.inputs import hand_choices
from diversification.inputs.config import load_config
from diversification.inputs.paths import TERRITOIRES_DIR
from diversification.run import lab

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = Path(__file__).parent / "artefacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _wait_ready(port: int, token: str, server, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise AssertionError(server.stdout.read())
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("JupyterLab n'a pas démarré")


@contextlib.contextmanager
def _notebook_in_lab(tmp_path: Path, notebook: str):
    """Serve a copy of ``notebook`` next to a copy of metropole-exemple, open it in headless chromium, Run All,
    check that no cell shows an error, and yield ``(page, territory folder)``; shut everything down after."""
    sync_api = pytest.importorskip("playwright.sync_api")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / notebook, tmp_path / "notebooks")
    territory = tmp_path / "data_samples" / "territoires" / "metropole-exemple"
    shutil.copytree(TERRITOIRES_DIR / "metropole-exemple", territory)
    ARTEFACTS.mkdir(exist_ok=True)
    lab.install_overrides()  # what `make lab` does: French, no news
    port, token = lab.free_port(), "jeton-de-test"
    server = lab.start_server(tmp_path / "notebooks", port, token)
    stem = notebook[:2]
    try:
        _wait_ready(port, token, server)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab.address(port, token).replace("/lab?", f"/lab/tree/{notebook}?"))
            page.wait_for_function("() => document.querySelectorAll('.jp-Notebook .jp-Cell').length > 5",
                                   timeout=60_000)
            page.wait_for_selector("text=Python 3 (ipykernel) | Inactif", timeout=60_000)
            page.screenshot(path=str(ARTEFACTS / f"lab_{stem}_ouvert.png"), full_page=False)
            page.locator(".lm-MenuBar-itemLabel", has_text="Exécution").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Exécuter toutes les cellules").first.click()
            page.wait_for_selector("button:has-text('Retenir')", timeout=120_000)
            page.wait_for_function(
                "() => ![...document.querySelectorAll('.jp-InputArea-prompt')].some(e => e.textContent.includes('*'))",
                timeout=120_000)
            page.screenshot(path=str(ARTEFACTS / f"lab_{stem}_execute.png"), full_page=False)
            assert page.locator(".jp-OutputArea-output:has-text('Traceback')").count() == 0
            yield page, territory
            page.screenshot(path=str(ARTEFACTS / f"lab_{stem}_retenu.png"), full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.programme_systeme("chromium")
def test_notebook_04_in_jupyterlab(tmp_path):
    before = (TERRITOIRES_DIR / "metropole-exemple" / "territoire.yaml").read_text(encoding="utf-8")
    with _notebook_in_lab(tmp_path, "04_secteurs_prioritaires.ipynb") as (page, territory):
        ranking = page.locator(".widget-html-content table").first
        shown = ranking.inner_text()
        slider = page.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle").first
        slider.focus()
        for _ in range(10):
            page.keyboard.press("End")
        page.wait_for_function("(before) => document.querySelector('.widget-html-content table').innerText "
                               "!== before", arg=shown, timeout=30_000)
        page.locator("button:has-text('Retenir ces pondérations')").click()
        page.wait_for_selector("text=retenu(e)s le", timeout=30_000)
    after = (territory / "territoire.yaml").read_text(encoding="utf-8")
    assert after != before and after.startswith(before)
    assert hand_choices.weights_choice(load_config(territory)) is not None


@pytest.mark.programme_systeme("chromium")
def test_notebook_08_calculator_in_jupyterlab(tmp_path):
    with _notebook_in_lab(tmp_path, "08_volumes_insertion.ipynb") as (page, territory):
        etp = page.locator(".widget-inline-hbox:has-text('ETP affectés au marché') input").first
        etp.fill("2")
        etp.press("Enter")
        page.wait_for_timeout(1500)  # the kernel receives the new value
        page.locator("button:has-text('Retenir ce volume')").click()
        page.wait_for_selector("text=retenu(e)s le", timeout=30_000)
    choices = hand_choices.volume_choices(load_config(territory))
    assert len(choices) == 1 and next(iter(choices.values())).valeurs == {"etp": 2.0}
