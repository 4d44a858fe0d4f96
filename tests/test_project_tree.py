"""The project's shape: fixed top level, packaging, notebook hygiene."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_top_level_layout():
    for name in ["notebooks", "lib", "data_samples", "reports", "tests", "benchmarks", ".ci"]:
        assert (ROOT / name).is_dir(), name
    for name in ["environment.yml", "README.md", "pyproject.toml", "Makefile", ".ci/run", "reports/README.md"]:
        assert (ROOT / name).is_file(), name
    assert (ROOT / "lib" / "diversification" / "__init__.py").is_file()
    assert not (ROOT / "src").exists()


def test_top_level_is_exactly_the_product_card():
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT, check=False).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    top = {path.split("/")[0] for path in tracked}
    assert top == {
        "notebooks", "lib", "data_samples", "reports", "tests", "environment.yml", "README.md",
        "pyproject.toml", "Makefile", ".ci", "benchmarks", "docs", ".gitignore", ".gitattributes",
    }


def test_gitignore_keeps_lib_and_hides_runs_and_secrets():
    text = (ROOT / ".gitignore").read_text(encoding="utf-8")
    for line in ["!lib/", "reports/*", "!reports/README.md", ".venv/", ".sel_pseudonymisation"]:
        assert line in text.splitlines(), line


def test_readme_starts_with_the_two_commands_in_french():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    head = text[:600]
    assert "make study" in head and "make test" in head
    assert "## Ajouter son territoire" in text and "## Où vont les résultats" in text
    assert "## For contributors (English)" in text
    assert "## Données personnelles et secret statistique" in text


def _requirements(text: str, pattern: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) for m in re.finditer(pattern, text)}


def test_pyproject_and_environment_declare_the_same_dependencies():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    pip = _requirements(pyproject, r'"([A-Za-z0-9_.-]+)>=([0-9.]+)"')
    conda = _requirements(env, r"^\s+- ([A-Za-z0-9_.-]+)>=([0-9.]+)\s*$".replace("^", "(?m)^"))
    conda.pop("python", None)
    pip.pop("setuptools", None)
    assert pip == conda


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_hygiene(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb["metadata"]
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    params = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        keep = cell.get("metadata", {}).get("keep_output", False)
        if cell.get("outputs"):
            assert keep, f"outputs left in a cell that is not pinned: {source[:60]}"
        if "NBVAL_CHECK_OUTPUT" in source:
            assert keep and cell["outputs"], "a pinned cell needs keep_output metadata and a reference output"
        assert "papermill" not in cell.get("metadata", {})
        # Thin cells: no function definitions, no loops, nothing long.
        assert not re.search(r"^\s*(def|class|for|while) ", source, re.M), source[:80]
        assert source.count("\n") < 15, source[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_are_a_typed_commented_contract(path):
    declared = pm.inspect_notebook(str(path))
    assert {"territoire", "annee", "dossier_run"} <= set(declared)
    for name, spec in declared.items():
        assert spec["help"], f"{path.name}: parameter {name} has no French comment"
        assert spec["default"] not in (None, "None"), name


def test_notebooks_are_committed_stripped():
    """The committed notebooks equal what nbstripout would commit (pinned outputs kept)."""
    for path in NOTEBOOKS:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "nbstripout"), "--keep-count", "--extra-keys", "metadata.papermill cell.metadata.papermill", "--dry-run", str(path)],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )
        assert "Dry run: would have stripped" not in result.stdout, result.stdout


def test_readme_data_dictionary_is_up_to_date():
    from diversification.inputs.schemas import dictionary_markdown

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- dictionnaire:debut -->\n")[1].split("<!-- dictionnaire:fin -->")[0]
    assert block == dictionary_markdown(), "regenerate the README section from schemas.dictionary_markdown()"


def test_git_filter_keeps_the_execution_count_of_pinned_cells():
    """Where the nbstripout git filter is installed (``make install``), it must keep execution counts and strip
    papermill metadata as the committed notebooks are: without --keep-count, a commit strips the counts of the
    pinned cells and nbval fails on a clean clone (« Unrun reference cell has outputs »)."""
    if not (ROOT / ".git").exists():
        pytest.skip("pas de dépôt git")
    result = subprocess.run(["git", "config", "--get", "filter.nbstripout.clean"], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    if result.returncode != 0:
        pytest.skip("filtre nbstripout non installé")
    assert "--keep-count" in result.stdout and "metadata.papermill cell.metadata.papermill" in result.stdout


def test_committed_pinned_cells_have_an_execution_count():
    """The notebooks as committed (HEAD), not only as in the working tree."""
    if not (ROOT / ".git").exists():
        pytest.skip("pas de dépôt git")
    for path in NOTEBOOKS:
        shown = subprocess.run(["git", "show", f"HEAD:{path.relative_to(ROOT).as_posix()}"], capture_output=True,
                               text=True, cwd=ROOT, check=False)
        if shown.returncode != 0:
            continue  # not committed yet
        for cell in json.loads(shown.stdout)["cells"]:
            if cell.get("metadata", {}).get("keep_output") and cell.get("outputs"):
                assert cell.get("execution_count") is not None, (path.name, cell["source"][:60])


# --- system programs run by the tests ------------------------------------------------------------

SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}


def _resolve_program(node, module: ast.Module, local: dict):
    """The program a subprocess command starts (« git », « python », « venv », a Debian program name), or None."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return _resolve_program(node.elts[0], module, local) if node.elts else None
    if isinstance(node, ast.Subscript):  # args[:-1]
        return _resolve_program(node.value, module, local)
    if isinstance(node, ast.Starred):
        return _resolve_program(node.value, module, local)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _resolve_program(node.left, module, local)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # Path(sys.executable).parent / "tool"
        # a program of the venv: next to sys.executable, or in the bin/ folder of a venv the test made
        left = ast.unparse(node.left)
        return "venv" if "sys.executable" in left or left.endswith("'bin'") or left.endswith('"bin"') else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Path(node.value.split()[0]).name
    if isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.executable":
        return "python"
    if isinstance(node, ast.Name):
        if node.id in local:
            return _resolve_program(local[node.id], module, local)
        for statement in module.body:
            if isinstance(statement, ast.Assign) and any(getattr(t, "id", None) == node.id for t in statement.targets):
                return _resolve_program(statement.value, module, {})
        return None
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        if name in {"str", "Path", "shutil.which"} and node.args:
            return _resolve_program(node.args[0], module, local)
        for statement in module.body:
            if isinstance(statement, ast.FunctionDef) and statement.name == name:
                returned = [n.value for n in ast.walk(statement) if isinstance(n, ast.Return) and n.value]
                return _resolve_program(returned[0], module, {}) if returned else None
    return None


def _marked_programs(function: ast.FunctionDef, module: ast.Module) -> set:
    marked = set()
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("mark.programme_systeme"):
            marked.add(_resolve_program(decorator.args[0], module, {}))
    return marked


def test_every_system_program_a_test_runs_is_declared_and_skips_with_its_apt_get_line():
    """``make test`` passes on a machine with only Python, pip, venv and make: a test that runs a system program
    (chromium, pdftoppm...) is marked ``programme_systeme`` and skips, naming the ``apt-get install`` line, where it
    is absent. Only git, the venv's Python and the venv's own programs run unmarked."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from conftest import SYSTEM_PROGRAMS, system_program_skip_reason
    finally:
        sys.path.pop(0)
    problems, seen = [], set()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            local = {t.id: n.value for n in ast.walk(function) if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)}
            local.update({t.id: v for n in ast.walk(function) if isinstance(n, ast.Assign)  # a, b = x, y
                          for target in n.targets if isinstance(target, ast.Tuple) and isinstance(n.value, ast.Tuple)
                          for t, v in zip(target.elts, n.value.elts) if isinstance(t, ast.Name)})
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                        and ast.unparse(call.func.value) == "subprocess" and call.func.attr in SUBPROCESS_CALLS):
                    continue
                where = f"{path.relative_to(ROOT)}:{call.lineno} ({function.name})"
                program = _resolve_program(call.args[0], module, local) if call.args else None
                if program is None:
                    problems.append(f"{where}: program not recognised")
                elif program not in {"git", "python", "venv"}:
                    seen.add(program)
                    if program not in SYSTEM_PROGRAMS:
                        problems.append(f"{where}: {program} missing from SYSTEM_PROGRAMS (tests/conftest.py)")
                    if not function.name.startswith("test_") or program not in _marked_programs(function, module):
                        problems.append(f"{where}: {program} run without @pytest.mark.programme_systeme")
    assert problems == []
    assert seen == set(SYSTEM_PROGRAMS)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for name, (install, _) in SYSTEM_PROGRAMS.items():
        assert install.startswith("apt-get install ")
        assert all(package in ci for package in install.split()[2:]), f".ci/run must install {install}"
        assert f"« {install} »" in system_program_skip_reason(name)


def test_every_phony_name_of_the_makefile_is_a_target():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = set(re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split())
    targets = set(re.findall(r"^([A-Za-z][A-Za-z0-9_-]*):", text, re.M))
    assert phony - targets == set()
    assert {"install", "study", "test"} <= phony
