"""The trainer's guide and the learner's handout of a finished run (``diversification formation``).

The content (session plan, learning goals, usual mistakes, expected answers) is assembled by
:func:`diversification.run.training.guide_context` from the reference table ``formation.csv`` and the run's
published tables; this module only renders it (jinja2 templates next to the report's) and writes the HTML and the
PDF (WeasyPrint, as the report) into the run folder through the publishing gate. The handout's template never
reads the answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from diversification.inputs import formatting
from diversification.inputs.referentiels import load_referentiel
from diversification.publish import gate, report
from diversification.publish.safe_output import safe_join

#: Default sub-folder of the run, and the files written into it.
GUIDE_DIR = "formation"
GUIDE_NAME = "guide_formateur"
HANDOUT_NAME = "fiche_apprenant"
TEMPLATES_DIR = report.TEMPLATES_DIR


@dataclass
class GuideResult:
    folder: Path
    files: list[Path]
    messages: list[str]


def _code(text: str) -> Markup:
    """``text`` escaped, with its `backquoted` parts as <code>."""
    parts = re.split(r"`([^`]*)`", str(text))
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


def _version() -> str:
    versions = load_referentiel("versions")
    row = versions[versions["table"] == "formation"]
    return str(row["version"].iloc[0]) if len(row) else formatting.MISSING


def render(template: str, context: dict) -> str:
    """The self-contained HTML of ``template`` (``guide_formateur.html`` or ``fiche_apprenant.html``)."""
    css = "\n".join((TEMPLATES_DIR / name).read_text(encoding="utf-8") for name in ("rapport.css", "formation.css"))
    plan = context["plan"]
    days = plan.half_days()
    return report._environment().get_template(template).render(
        css=css, minutes=formatting.minutes, clock=formatting.clock, code=_code, version=_version(),
        half_length=max(sum(p.minutes for p in phases) for _day, phases in days), **context)


def write_guide(run_dir: str | Path, context: dict, folder: str = GUIDE_DIR) -> GuideResult:
    """Write ``<folder>/guide_formateur.{html,pdf}`` and ``<folder>/fiche_apprenant.{html,pdf}`` of the run."""
    run_dir = Path(run_dir)
    target = safe_join(run_dir, *Path(folder).parts)  # refuses a folder outside the run
    files, messages = [], []
    for name, what in ((GUIDE_NAME, "du guide du formateur"), (HANDOUT_NAME, "de la fiche de l'apprenant")):
        html = render(f"{name}.html", context)
        files.append(gate.write_text(run_dir, f"{folder}/{name}.html", html, kind="formation"))
        pdf = report.write_pdf(html, run_dir, folder, f"{name}.pdf", what=what,
                               again="diversification formation", kind="formation")
        if pdf.path:
            files.append(pdf.path)
        messages.append(pdf.message)
    return GuideResult(target, files, messages)
