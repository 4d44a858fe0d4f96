"""Build step (setuptools ``build_py``, see ``pyproject.toml``): copies the kit's data files into the package.

The repository stays the single source of the data files: nothing is committed under
``lib/diversification/kit/``. At build time (``pip wheel .``, ``python -m build --wheel``), this copies, into
``diversification/kit/`` of the build, with the layout of the checkout:

* ``notebooks/*.ipynb`` (the phase notebooks the runner executes; not the builders of ``notebooks/outils``),
* ``data_samples/referentiels/`` (reference tables and ``HYPOTHESES.md``),
* ``data_samples/territoires/`` (the fictional sample territories and their README).

Hidden files (``.sel_pseudonymisation`` of a territory studied in the checkout, ``.ipynb_checkpoints``) and
``__pycache__`` are never copied. An editable install (``pip install -e``) copies nothing: the package then reads
the checkout (:mod:`diversification.inputs.paths`). This module is not part of the installed package; the source
distribution (``python -m build``) carries it and the data files, so that a wheel built from it has them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent.parent
#: (source in the repository, glob patterns, destination under ``diversification/kit``)
KIT_DATA = [
    ("notebooks", ["*.ipynb"], "notebooks"),
    ("data_samples/referentiels", ["**/*"], "data_samples/referentiels"),
    ("data_samples/territoires", ["**/*"], "data_samples/territoires"),
]


def kit_files(root: Path = ROOT) -> list[tuple[Path, str]]:
    """``(source file, path under kit/)`` of every data file shipped, sorted."""
    found = []
    for source, patterns, destination in KIT_DATA:
        folder = root / source
        for pattern in patterns:
            for path in sorted(folder.glob(pattern)):
                relative = path.relative_to(folder)
                if not path.is_file() or any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
                    continue
                found.append((path, f"{destination}/{relative.as_posix()}"))
    return sorted(set(found), key=lambda item: item[1])


class BuildPyWithKitData(build_py):
    """``build_py`` that also copies the kit's data files into ``diversification/kit/`` of the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout
        target = Path(self.build_lib) / "diversification" / "kit"
        if target.exists():
            shutil.rmtree(target)  # no file left over from an earlier build
        files = kit_files()
        if not files:
            raise RuntimeError(f"No kit data found under {ROOT}: build from a checkout of the repository.")
        for source, relative in files:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


class SdistWithKitData(sdist):
    """``sdist`` that also carries this build step and the kit's data files (a wheel built from it has them)."""

    def make_distribution(self) -> None:
        extra = [Path(__file__).resolve().relative_to(ROOT).as_posix()]
        extra += [source.relative_to(ROOT).as_posix() for source, _ in kit_files()]
        self.filelist.extend(extra)
        self.filelist.sort()
        self.filelist.remove_duplicates()
        super().make_distribution()
