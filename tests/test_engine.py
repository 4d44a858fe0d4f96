"""Kernel-reuse engine: one kernel for several notebooks, same executed notebooks as papermill."""

import hashlib
import json
import math
from pathlib import Path

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from diversification.run import runner
from diversification.run.engine import KernelSession
from diversification.inputs.paths import TERRITOIRES_DIR

PARAMS = 'territoire = ""  # dossier\nannee = 2025  # année\ndossier_run = ""  # run'


def make_notebook(folder: Path, name: str, *bodies: str, params: str = PARAMS) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(body) for body in bodies]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_one_kernel_clean_namespace_cwd_and_counters(tmp_path):
    nbs = tmp_path / "nb"
    nbs.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    first = make_notebook(nbs, "a", "import os\nsecret = 42\nopen(dossier_run + '/a.json', 'w').write("
                          "__import__('json').dumps([os.getpid(), os.getcwd(), annee]))")
    second = make_notebook(nbs, "b", "import os\nassert 'secret' not in globals(), 'namespace not reset'\n"
                           "open(dossier_run + '/b.json', 'w').write(__import__('json').dumps([os.getpid(), os.getcwd(), annee]))")
    with KernelSession() as session:
        session.execute_notebook(first, out / "a.ipynb", {"annee": 2024, "dossier_run": str(out)}, cwd=nbs)
        session.execute_notebook(second, out / "b.ipynb", {"annee": 2023, "dossier_run": str(out)}, cwd=nbs)
        assert session.notebooks_run == 2
    pid_a, cwd_a, year_a = json.loads((out / "a.json").read_text())
    pid_b, cwd_b, year_b = json.loads((out / "b.json").read_text())
    assert pid_a == pid_b  # the same kernel process
    assert cwd_a == cwd_b == str(nbs.resolve())
    assert (year_a, year_b) == (2024, 2023)
    executed = nbformat.read(out / "b.ipynb", as_version=4)
    # parameters cell, injected cell, body: counters restart at 1 as with a fresh kernel
    assert [c.execution_count for c in executed.cells] == [1, 2, 3]
    assert executed.cells[1].metadata.tags == ["injected-parameters"]
    assert "annee = 2023" in executed.cells[1].source
    assert executed.metadata.papermill.parameters == {"annee": 2023, "dossier_run": str(out)}


def test_error_cell_is_recorded_like_papermill_and_kernel_stays_usable(tmp_path):
    nbs = tmp_path / "nb"
    nbs.mkdir()
    bad = make_notebook(nbs, "bad", "x = 1", "raise ValueError('données impossibles')", "print('jamais')")
    good = make_notebook(nbs, "good", "print('suite')")
    with KernelSession() as session:
        with pytest.raises(PapermillExecutionError) as info:
            session.execute_notebook(bad, tmp_path / "bad.ipynb", {}, cwd=nbs)
        assert info.value.exec_count == 3 and info.value.ename == "ValueError"
        assert info.value.evalue == "données impossibles"
        session.execute_notebook(good, tmp_path / "good.ipynb", {}, cwd=nbs)
    executed = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    assert executed.cells[0].metadata.tags == ["papermill-error-cell-tag"]  # papermill's error banner
    last = executed.cells[-1]
    assert last.source == "print('jamais')" and last.execution_count is None and last.outputs == []
    assert nbformat.read(tmp_path / "good.ipynb", as_version=4).cells[-1].outputs[0].text == "suite\n"


def _cells(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.get("execution_count"), c.metadata.get("tags"),
             [{k: v for k, v in o.items() if k != "execution_count"} for o in c.get("outputs", [])]) for c in nb.cells]


def test_same_executed_notebook_as_papermill(tmp_path):
    import papermill as pm

    nbs = tmp_path / "nb"
    nbs.mkdir()
    source = make_notebook(nbs, "n", "print(annee * 2)", "annee + 1", "1 / 0")
    with pytest.raises(PapermillExecutionError):
        pm.execute_notebook(str(source), str(tmp_path / "pm.ipynb"), parameters={"annee": 7}, cwd=str(nbs),
                            kernel_name="python3", progress_bar=False)
    with KernelSession() as session, pytest.raises(PapermillExecutionError):
        session.execute_notebook(source, tmp_path / "noyau.ipynb", {"annee": 7}, cwd=nbs)
    assert _cells(tmp_path / "noyau.ipynb") == _cells(tmp_path / "pm.ipynb")


def test_dead_kernel_fails_the_run_and_next_study_gets_a_new_kernel(tmp_path):
    nbs = tmp_path / "nb"
    nbs.mkdir()
    make_notebook(nbs, "00_controle_donnees", "print('avant la panne')", "import os\nos._exit(3)")
    terr = tmp_path / "terr"
    terr.mkdir()
    (terr / "territoire.yaml").write_text('nom: "T"\nidentifiant: t\nannee: 2024\n', encoding="utf-8")
    with KernelSession() as session:
        result = runner.run_study(terr, reports_dir=tmp_path / "r", notebooks_dir=nbs, session=session)
        assert result.status == "échec" and "00_controle_donnees" in result.message
        assert json.loads((result.run_dir / "manifest.json").read_text())["statut"] == "échec"
        # the notebook is written once at the end: on a dead kernel, what ran is still kept
        partial = nbformat.read(result.run_dir / "notebooks" / "00_controle_donnees.ipynb", as_version=4)
        assert partial.cells[2].outputs[0]["text"] == "avant la panne\n"
        make_notebook(nbs, "00_controle_donnees", "print('vivant')")
        again = runner.run_study(terr, reports_dir=tmp_path / "r", notebooks_dir=nbs, session=session)
        assert again.status == "terminé"


def _parquet_hashes(run_dir: Path) -> dict[str, str]:
    return {
        p.relative_to(run_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("tables", "donnees", "prive") if (run_dir / folder).exists()
        for p in sorted((run_dir / folder).rglob("*.parquet"))
    }


@pytest.mark.e2e
def test_engines_and_kernel_counts_give_byte_identical_tables_on_rural_sample(tmp_path):
    """papermill (one fresh kernel per notebook, in order), one kept kernel (in order) and two kept
    kernels (independent phases at the same time) write the same tables, byte for byte."""
    territory = TERRITOIRES_DIR / "rural-exemple"
    runs = {}
    for moteur, noyaux in (("papermill", None), ("noyau", 1), ("noyau", 2)):
        result = runner.run_study(territory, 2025, reports_dir=tmp_path / f"{moteur}-{noyaux}", moteur=moteur,
                                  noyaux=noyaux)
        manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert (manifest["parametres"]["moteur"], manifest["parametres"]["noyaux"]) == (moteur, noyaux or 1)
        runs[moteur, noyaux] = (result.status, [n["notebook"] for n in manifest["notebooks"]],
                                _parquet_hashes(result.run_dir))
    reference = runs["papermill", None]
    assert reference[0] == "terminé" and len(reference[2]) >= 5  # at least the tables of notebook 00
    assert runs["noyau", 1] == reference
    assert runs["noyau", 2] == reference


def test_unknown_engine_is_refused_before_writing(tmp_path):
    terr = tmp_path / "terr"
    terr.mkdir()
    (terr / "territoire.yaml").write_text('nom: "T"\nidentifiant: t\nannee: 2024\n', encoding="utf-8")
    with pytest.raises(runner.RunError, match="Moteur « turbo » inconnu"):
        runner.run_study(terr, reports_dir=tmp_path / "r", moteur="turbo")
    assert not (tmp_path / "r").exists()


def test_reused_kernel_keeps_no_history(tmp_path):
    """The counter goes back to 1 before each notebook: an IPython history database would then
    print « Session/line number was not unique » into the executed notebooks."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    probe = make_notebook(nbs, "probe", "print(get_ipython().history_manager.enabled)")
    with KernelSession() as session:
        for i in range(2):
            session.execute_notebook(probe, tmp_path / f"out{i}.ipynb", {}, nbs)
    for i in range(2):
        assert nbformat.read(tmp_path / f"out{i}.ipynb", as_version=4).cells[-1].outputs[0].text == "False\n"


#: How early an asyncio timer may fire, as the monotonic clock sees it (seconds).
EARLY = 0.01


class _LostWakeUpSocket:
    """A socket whose first poll misses a waiting message (zmq's edge-triggered descriptor)."""

    def __init__(self, waiting: bool):
        self.waiting, self.polls = waiting, 0

    async def poll(self, timeout_ms):
        import asyncio

        self.polls += 1
        if self.waiting and self.polls > 1:
            return 1
        await asyncio.sleep(timeout_ms / 1000)
        return 0

    def get(self, option):
        import zmq

        return zmq.POLLIN if self.waiting else 0


def test_channel_polls_in_slices_and_reads_a_message_whose_wake_up_was_lost():
    import asyncio
    import time
    from queue import Empty

    import zmq.asyncio
    from jupyter_client.session import Session

    from diversification.run import engine

    channel_class = engine.sliced_client_class().shell_channel_class.default_value
    context = zmq.asyncio.Context()
    channel = channel_class(context.socket(zmq.DEALER), Session())
    real_socket = channel.socket

    async def fake_recv(**kwargs):
        return {"msg_type": "execute_reply"}

    channel._recv = fake_recv
    try:
        channel.socket = _LostWakeUpSocket(waiting=True)
        before = engine.lost_wakeups
        start = time.monotonic()
        # no timeout (nbclient's IOPub wait): read at the second poll, one slice later, not never
        assert asyncio.run(channel.get_msg(timeout=None)) == {"msg_type": "execute_reply"}
        # asyncio's timers may fire up to a clock tick early (1.1999 s was seen for 1.2 s): 10 ms of slack
        assert engine.POLL_SLICE - EARLY <= time.monotonic() - start < engine.POLL_SLICE + 2
        assert channel.socket.polls == 2 and engine.lost_wakeups == before + 1
        # nothing waiting: Empty once the timeout asked for is over, not before
        channel.socket = _LostWakeUpSocket(waiting=False)
        start = time.monotonic()
        with pytest.raises(Empty):
            asyncio.run(channel.get_msg(timeout=1.2))
        assert 1.2 - EARLY <= time.monotonic() - start < 3
        assert channel.socket.polls == math.ceil(1.2 / engine.POLL_SLICE)  # 0.5 + 0.5 + 0.2 s
    finally:
        real_socket.close(linger=0)
        context.term()


def test_papermill_reference_path_gets_the_sliced_channels_too(tmp_path, monkeypatch):
    """``--moteur papermill`` keeps papermill's own engine, with the kernel manager whose
    channels read a message whose wake-up was lost (the hang of nbclient#312 hit both paths)."""
    import papermill

    from diversification.run import engine

    seen = {}

    def fake_execute(source, target, **kwargs):
        seen.update(kwargs)
        Path(target).write_text(Path(source).read_text())

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    nbs = tmp_path / "nb"
    nbs.mkdir()
    make_notebook(nbs, "00_controle_donnees", "print('ok')")
    terr = tmp_path / "terr"
    terr.mkdir()
    (terr / "territoire.yaml").write_text('nom: "T"\nidentifiant: t\nannee: 2024\n', encoding="utf-8")
    result = runner.run_study(terr, reports_dir=tmp_path / "r", notebooks_dir=nbs, moteur="papermill")
    assert result.status == "terminé"
    manager = seen["kernel_manager_class"]
    assert manager is engine.sliced_manager_class()
    assert manager().client_factory is engine.sliced_client_class()


def test_bare_figures_are_shown_as_the_report_renders_them_and_a_new_study_forgets_the_figures(tmp_path):
    import base64
    import struct

    nbs = tmp_path / "nb"
    nbs.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    first = make_notebook(nbs, "a", "import matplotlib.pyplot\nfrom diversification.publish import charts\n"
                          "import pandas as pd\n"
                          "charts.bar_chart(pd.DataFrame({'l': ['a'], 'v': [1.0]}), 'l', {'v': 'V'}, title='T', xlabel='x')")
    second = make_notebook(nbs, "b", "from diversification.indicators import figure_memo\n"
                           "open(dossier_run + '/kept.txt', 'w').write(str(len(figure_memo._figures)))",
                           "from matplotlib.figure import Figure\nfigure = Figure(figsize=(4, 2))\n"
                           "figure.add_subplot().plot([1, 2], [3, 1])\nfigure", "display(figure)")
    with KernelSession() as session:
        session.execute_notebook(first, out / "a.ipynb", {"dossier_run": str(out)}, cwd=nbs)
        session.execute_notebook(second, out / "b.ipynb", {"dossier_run": str(out)}, cwd=nbs)  # same study
        assert (out / "kept.txt").read_text() == "1"
        other = tmp_path / "autre"
        other.mkdir()
        session.execute_notebook(second, out / "c.ipynb", {"dossier_run": str(other)}, cwd=nbs)  # a new study
        assert (other / "kept.txt").read_text() == "0"
    executed = nbformat.read(out / "b.ipynb", as_version=4)
    images = [base64.b64decode(o["data"]["image/png"]) for cell in executed.cells[3:] for o in cell.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 2 and images[0] == images[1]
    # 4 × 2 inches at the report's 90 dpi, without the inline backend's tight crop
    assert struct.unpack(">II", images[0][16:24]) == (360, 180)
