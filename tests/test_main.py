"""``python -m diversification`` (``__main__``): the command line, under its own name, in French."""

import subprocess
import sys


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "diversification", "--help"], capture_output=True, text=True,
                          check=False, env={"COLUMNS": "200", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "Utilisation : diversification [OPTIONS] COMMANDE" in done.stdout
    for command in ("etude", "lot", "valider", "nouveau", "corrige", "comparer", "exemples"):
        assert command in done.stdout
    assert "Affiche cette aide et quitte." in done.stdout


def test_an_unknown_command_is_refused():
    done = subprocess.run([sys.executable, "-m", "diversification", "etudes"], capture_output=True, text=True,
                          check=False, env={"COLUMNS": "200", "PATH": ""})
    assert done.returncode == 2 and "Traceback" not in done.stderr
