"""Execute notebooks on their default parameters and keep only the pinned outputs.

Usage: python notebooks/outils/pin_outputs.py notebooks/00_controle_donnees.ipynb [...]

Cells marked ``# NBVAL_CHECK_OUTPUT`` with ``"keep_output": true`` metadata keep
their output (the reference nbval compares); every other output and the
execution metadata are stripped, then the file goes through nbstripout with the options
of the project's git filter (see the Makefile), so that it is committed as the filter would
have left it even where the filter is not installed (a worktree set up without ``make``).
"""
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


#: The options of the git filter ``filter.nbstripout.clean`` set by the Makefile.
NBSTRIPOUT_OPTIONS = ["--keep-count", "--extra-keys", "metadata.papermill cell.metadata.papermill"]


def pin(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if not cell.metadata.get("keep_output"):
            cell.outputs = []
            cell.execution_count = None
        else:
            # nbval refuses a reference output without an execution count: keep it.
            pass
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "nbstripout", *NBSTRIPOUT_OPTIONS, str(path)], check=True)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        pin(Path(arg))
        print(f"pinned: {arg}")
