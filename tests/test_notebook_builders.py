"""Each committed notebook is what its builder ``notebooks/outils/build_notebook_NN.py`` writes.

The builders are run on copies in a temporary folder (the committed notebooks are never touched), then each built
notebook is compared with the committed one, leaving out only what the commit path legitimately changes:

* the cell ids: nbstripout renumbers them (« 0 », « 1 »…) where nbformat draws random ones;
* ``metadata.language_info``: filled in by the kernel when ``pin_outputs.py`` executes the notebook;
* the outputs and execution count of the cells pinned with ``# NBVAL_CHECK_OUTPUT`` and ``keep_output``
  (``pin_outputs.py`` executes them; the reference nbval compares); every other cell has neither, in both.

Everything else (cell types, sources, cell metadata with the ``parameters`` tag, notebook metadata with the
kernelspec) must be equal: a builder changed without regenerating its notebook, or a notebook edited by hand,
fails here. To regenerate: ``cd notebooks/outils && python build_notebook_NN.py``, then
``python pin_outputs.py ../NN_x.ipynb`` when the notebook has pinned cells.
"""

import json
import runpy
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "notebooks" / "outils"
BUILDERS = sorted(TOOLS.glob("build_notebook_*.py"))
IGNORED_NOTEBOOK_METADATA = {"language_info"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The notebooks written by every builder, run from a copy of ``notebooks/outils`` in a temporary folder."""
    folder = tmp_path_factory.mktemp("notebooks")
    tools = folder / "outils"
    shutil.copytree(TOOLS, tools, ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(tools))
    try:
        for builder in sorted(tools.glob("build_notebook_*.py")):
            runpy.run_path(str(builder), run_name="__main__")
    finally:
        sys.path.remove(str(tools))
        sys.modules.pop("cellules_communes", None)
    return folder


def comparable(notebook: dict) -> dict:
    """The parts of a notebook that the builder decides."""
    cells = []
    for cell in notebook["cells"]:
        kept = {k: v for k, v in cell.items() if k not in ("id", "outputs", "execution_count")}
        kept["source"] = "".join(kept["source"]) if isinstance(kept["source"], list) else kept["source"]
        if cell["cell_type"] == "code" and not cell.get("metadata", {}).get("keep_output"):
            kept["outputs"], kept["execution_count"] = cell.get("outputs", []), cell.get("execution_count")
        cells.append(kept)
    metadata = {k: v for k, v in notebook["metadata"].items() if k not in IGNORED_NOTEBOOK_METADATA}
    return {"nbformat": notebook["nbformat"], "metadata": metadata, "cells": cells}


def test_every_notebook_has_a_builder():
    notebooks = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert [p.stem[-2:] for p in BUILDERS] == notebooks and len(notebooks) == 11


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda p: p.stem)
def test_builder_writes_the_committed_notebook(built, builder):
    number = builder.stem[-2:]
    [committed] = (ROOT / "notebooks").glob(f"{number}_*.ipynb")
    written = built / committed.name
    assert written.is_file(), f"{builder.name} did not write {committed.name}"
    expected = comparable(json.loads(written.read_text(encoding="utf-8")))
    found = comparable(json.loads(committed.read_text(encoding="utf-8")))
    assert found["metadata"] == expected["metadata"]
    assert len(found["cells"]) == len(expected["cells"]), "cells added or removed"
    for position, (cell, built_cell) in enumerate(zip(found["cells"], expected["cells"])):
        assert cell == built_cell, f"{committed.name}, cell {position}: differs from what {builder.name} writes"


def test_the_comparison_sees_a_hand_edit():
    base = {"nbformat": 4, "metadata": {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}},
            "cells": [{"id": "a1", "cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [],
                       "execution_count": None},
                      {"id": "b2", "cell_type": "code", "metadata": {"keep_output": True}, "source": ["print(", "1)"],
                       "outputs": [{"output_type": "stream", "text": "1\n"}], "execution_count": 3}]}
    stripped = json.loads(json.dumps(base))
    stripped["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    stripped["cells"][0]["id"], stripped["cells"][1]["id"] = "0", "1"
    stripped["cells"][1]["outputs"], stripped["cells"][1]["execution_count"] = [], None
    assert comparable(stripped) == comparable(base)  # ids, language_info, pinned outputs: ignored
    edited = json.loads(json.dumps(base))
    edited["cells"][0]["source"] = "x = 2"
    assert comparable(edited) != comparable(base)
    left_output = json.loads(json.dumps(base))
    left_output["cells"][0]["outputs"] = [{"output_type": "stream", "text": "x"}]  # an unpinned cell's output
    assert comparable(left_output) != comparable(base)
    untagged = json.loads(json.dumps(base))
    untagged["cells"][0]["metadata"] = {"tags": ["parameters"]}
    assert comparable(untagged) != comparable(base)
