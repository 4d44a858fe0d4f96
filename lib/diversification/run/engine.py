"""Kernel-reuse engine: the notebooks of a study executed in one Python kernel kept alive.

Papermill starts a fresh kernel for every notebook (about one second each before
any work: kernel start, ``import pandas, matplotlib``, shutdown). A
:class:`KernelSession` starts one kernel and executes notebook after notebook in
it, through papermill itself (same parameter injection with
``papermill.parameterize.parameterize_notebook``, same ``injected-parameters``
cell, same metadata, same :class:`papermill.exceptions.PapermillExecutionError`
on an error cell) and nbclient, given the already started kernel manager and
client. Before each notebook the kernel is cleaned: ``%reset -f``, open
matplotlib figures closed, ``gc.collect()``, working directory set to the
notebooks folder and execution counter set back to 1, so that the executed
notebook is the same as papermill's (same cell numbers).

One session per process (or per thread): :func:`thread_session` keeps one alive
for a batch worker and shuts it down when the process exits; a study run on its own
uses two sessions on two threads (:func:`warm_up` starts the second one while the
first phase runs; see :mod:`diversification.run.runner`).

The kernel clients read their channels in slices of :data:`POLL_SLICE` seconds
(:func:`sliced_client_class`): a reply whose wake-up was lost by zmq's
edge-triggered descriptor is read at the next slice instead of blocking until the
cell timeout. The executed notebook is written once, at the end (or on a failure).
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import tempfile
import threading
import uuid
import warnings
from pathlib import Path
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core import utils
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.iorw import write_ipynb
from papermill.utils import merge_kwargs, remove_args
from queue import Empty
from traitlets import Type
from traitlets import default
import asyncio
import inspect
import papermill as pm
import time
import zmq

ENGINE_NAME = "diversification-noyau"
KERNEL_NAME = "python3"
START_TIMEOUT = 60
#: Longest a single cell may run before the study is stopped with an error (seconds).
CELL_TIMEOUT = 900

#: Code run (silently, outside the history) before each notebook.
_PREAMBLE = """\
get_ipython().run_line_magic('reset', '-f')
import gc as _dv_gc, os as _dv_os, sys as _dv_sys
if {new_study!r}:
    _dv_gc.unfreeze()  # a new study: what the previous one froze may be collected again
    if 'diversification.indicators.figure_memo' in _dv_sys.modules:
        _dv_sys.modules['diversification.indicators.figure_memo'].forget()  # the previous study's figures
if 'matplotlib.pyplot' in _dv_sys.modules:
    _dv_sys.modules['matplotlib.pyplot'].close('all')
    # A bare figure shown by a notebook is rendered as the report renders it (kept on the figure, so the
    # report's chart of the same figure is not drawn again), not by the inline backend's second draw for a
    # tight box. The inline backend, imported first, registers its own formatter before this one replaces it.
    __import__('matplotlib_inline.backend_inline')
    _dv_figure = __import__('matplotlib.figure', fromlist=['Figure'])
    _dv_charts = __import__('diversification.publish.charts', fromlist=['show_figure_png'])
    get_ipython().display_formatter.formatters['image/png'].for_type(_dv_figure.Figure, _dv_charts.show_figure_png)
    del _dv_figure, _dv_charts
if 'ipywidgets' in _dv_sys.modules:
    # Widgets of the previous notebook keep comms open in the kernel: close them all.
    _dv_sys.modules['ipywidgets'].Widget.close_all()
_dv_os.chdir({cwd!r})
# Collect the previous notebook's garbage, then move the objects still alive (modules, caches)
# out of the collector's reach: the next collections (IPython's own in %reset included) only
# scan the new objects (≈ 0.1 s each otherwise, with pandas and matplotlib loaded).
_dv_gc.collect()
_dv_gc.freeze()
get_ipython().execution_count = 1
del _dv_gc, _dv_os, _dv_sys
"""

#: Longest single wait on a kernel channel (seconds). A message whose wake-up was lost — zmq's
#: edge-triggered descriptor under asyncio, seen after the bursts of comm messages of ipywidgets
#: (jupyter/nbclient#312) — is then read at the next poll, instead of after the cell timeout
#: (a 900 s stall seen in batches and test runs).
POLL_SLICE = 0.5
#: Wake-ups found lost (a message was waiting when a poll timed out), for diagnosis.
lost_wakeups = 0

_registered = False


@functools.cache
def sliced_client_class():
    """jupyter_client's asynchronous kernel client whose shell and IOPub channels wait for a
    message in slices of :data:`POLL_SLICE` seconds, up to the timeout asked for (or forever)."""

    class SlicedChannel(AsyncZMQSocketChannel):
        async def get_msg(self, timeout: float | None = None):
            global lost_wakeups
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                step = POLL_SLICE if remaining is None else min(POLL_SLICE, remaining)
                try:
                    return await super().get_msg(timeout=step)
                except Empty:
                    if self.socket is not None and self.socket.get(zmq.EVENTS) & zmq.POLLIN:
                        lost_wakeups += 1  # the message was there: the next poll reads it
                        logging.getLogger(__name__).debug("Lost wake-up on a kernel channel: message read.")
                    elif step == remaining:  # that poll waited until the deadline
                        raise

    class SlicedClient(AsyncKernelClient):
        shell_channel_class = Type(SlicedChannel)
        iopub_channel_class = Type(SlicedChannel)

    return SlicedClient


@functools.cache
def sliced_manager_class():
    """jupyter_client's asynchronous kernel manager whose clients are :func:`sliced_client_class`'s
    (the sessions' kernels, and papermill's ``kernel_manager_class`` on the reference path)."""
    class SlicedKernelManager(AsyncKernelManager):
        @default("client_factory")
        def _sliced_client_factory(self):
            return sliced_client_class()

    return SlicedKernelManager


_thread_loops = threading.local()


def _bind_thread_loop() -> None:
    """One event loop per thread for the kernel client and nbclient.

    jupyter_core keeps « the loop of this thread » in a context variable; a thread pool that
    copies contexts (Dask's in-process workers) would otherwise hand the same loop to two
    threads (« This event loop is already running »).
    """

    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_loops.loop = loop
    holder = getattr(utils, "_loop", None)
    if holder is not None:
        holder.set(loop)


async def _await(value):
    return await value


def _wait(value):
    """The result of ``value``, awaited when it is awaitable, on the thread's event loop
    (the one nbclient uses: jupyter_core's ``run_sync``)."""

    if inspect.isawaitable(value):
        _bind_thread_loop()
        return run_sync(_await)(value)
    return value
_register_lock = threading.Lock()


def quiet_kernel_warnings() -> None:
    """Command line only: silence the libraries' English notices (« running over TCP without
    encryption », papermill's parameter-parsing warnings); the kit reports errors itself."""
    warnings.filterwarnings("ignore", message=r".*without encryption.*")
    logging.getLogger("papermill").setLevel(logging.ERROR)
    for name in ("traitlets", "jupyter_client"):
        logging.getLogger(name).addFilter(_NoEncryptionFilter())


class _NoEncryptionFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:  # pragma: no cover - depends on library versions
        return "without encryption" not in record.getMessage()


def _register_engine() -> None:
    """Register the papermill engine that reuses a given kernel (once per process)."""
    global _registered
    with _register_lock:
        if _registered:
            return

        class KernelReuseEngine(NBClientEngine):
            """papermill's nbclient engine, on an already started kernel manager and client."""

            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                         stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
                kc = kwargs.pop("kc")
                partial_path = kwargs.pop("partial_path")
                kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
                final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                     kernel_name=kernel_name, log=logging.getLogger("papermill"),
                                     log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
                client = PapermillNotebookClient(nb_man, **final)
                client.kc = kc  # the session's client: nbclient neither creates nor stops one
                try:
                    return client.execute()
                except BaseException:
                    # The notebook is written once at the end (no save after every cell, ≈ 0.1 s a
                    # notebook): on a dead kernel or a timeout, keep what was executed for diagnosis.
                    write_ipynb(nb_man.nb, partial_path)
                    raise

        papermill_engines.register(ENGINE_NAME, KernelReuseEngine)
        _registered = True


class KernelSession:
    """One Python kernel kept alive to execute several notebooks in turn.

    The kernel manager and client are the asynchronous ones, as papermill's own:
    nbclient then notices a kernel that died (``DeadKernelError``) instead of
    waiting for its output forever.

    Use as a context manager, or call :meth:`close`. Each session has its own
    connection folder (no socket or connection file shared with another session
    started from the same working directory): Unix sockets in that folder on
    Linux and macOS, TCP on the loopback elsewhere.
    """

    def __init__(self, kernel_name: str = KERNEL_NAME):
        self.kernel_name = kernel_name
        self.km = None
        self.kc = None
        self._conn_dir: str | None = None
        self._study: object = None
        self.notebooks_run = 0

    # -- life cycle -------------------------------------------------------------------

    def start(self, cwd: str | Path) -> None:
        KernelManager = sliced_manager_class()
        _bind_thread_loop()
        _register_engine()
        self._conn_dir = tempfile.mkdtemp(prefix="diversification-noyau-")
        connection_file = str(Path(self._conn_dir) / f"noyau-{uuid.uuid4().hex}.json")
        if os.name == "posix":
            # Unix sockets in the session's own folder: no clash between kernels started from the
            # same working directory, and no « TCP without encryption » notice.
            self.km = KernelManager(kernel_name=self.kernel_name, transport="ipc",
                                    ip=str(Path(self._conn_dir) / "noyau"), connection_file=connection_file)
        else:  # pragma: no cover - Windows has no Unix sockets
            self.km = KernelManager(kernel_name=self.kernel_name, transport="tcp", ip="127.0.0.1",
                                    connection_file=connection_file)
        # No IPython history: the execution counter is set back to 1 before each notebook, and a
        # history database would then complain on stdout (« Session/line number was not unique »).
        _wait(self.km.start_kernel(cwd=str(cwd), extra_arguments=["--HistoryManager.enabled=False"]))
        self.kc = self.km.client()
        self.kc.start_channels()
        _wait(self.kc.wait_for_ready(timeout=START_TIMEOUT))

    @property
    def alive(self) -> bool:
        return self.km is not None and bool(_wait(self.km.is_alive()))

    def close(self) -> None:
        """Stop the kernel now (no graceful wait: nothing is left to save in it)."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # pragma: no cover - best effort
                pass
            self.kc = None
        if self.km is not None:
            try:
                if self.km.has_kernel:
                    _wait(self.km.shutdown_kernel(now=True))
            except Exception:  # pragma: no cover - best effort
                pass
            try:
                _wait(self.km.cleanup_resources())
            except Exception:  # pragma: no cover
                pass
            self.km = None
        if self._conn_dir:
            shutil.rmtree(self._conn_dir, ignore_errors=True)
            self._conn_dir = None

    def __enter__(self) -> "KernelSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- execution --------------------------------------------------------------------

    def _prepare(self, cwd: str, study: object = None) -> None:
        if not self.alive:
            self.close()
            self.start(cwd)
        new_study = study != self._study
        self._study = study
        self.run_silently(_PREAMBLE.format(cwd=cwd, new_study=new_study))

    def run_silently(self, code: str) -> None:
        """Execute ``code`` in the kernel, outside the history and the notebooks' counters."""
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        while True:
            reply = _wait(self.kc.get_shell_msg(timeout=START_TIMEOUT))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":  # pragma: no cover - would be a kit bug
            raise RuntimeError(f"Préparation du noyau impossible : {reply['content'].get('evalue')}")

    def execute_notebook(self, source: str | Path, target: str | Path, parameters: dict, cwd: str | Path):
        """Execute ``source`` into ``target`` with ``parameters``, like ``papermill.execute_notebook``.

        Raises :class:`papermill.exceptions.PapermillExecutionError` on an error cell
        (the executed notebook is written first, with papermill's error marker).
        """
        cwd = str(Path(cwd).resolve())
        _bind_thread_loop()
        if self.km is None:
            self.start(cwd)
        self._prepare(cwd, parameters.get("dossier_run"))
        self.notebooks_run += 1
        return pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            engine_name=ENGINE_NAME,
            kernel_name=self.kernel_name,
            progress_bar=False,
            log_output=False,
            execution_timeout=CELL_TIMEOUT,
            request_save_on_cell_execute=False,
            km=self.km,
            kc=self.kc,
            partial_path=str(target),
        )


#: Run by a kernel waiting for its first notebook: the kit and its heavy libraries imported ahead
#: (modules survive ``%reset -f``; WeasyPrint may lack its system libraries: then it is skipped).
_WARM_UP = """\
import diversification.publish.report, diversification.publish.study, matplotlib.pyplot
try:
    import weasyprint
except Exception:
    pass
"""


def warm_up(session: KernelSession, cwd: str | Path, *, full: bool = True) -> None:
    """Start ``session``'s kernel (on the thread that will use the session) and, when ``full``,
    import the kit in it."""
    _bind_thread_loop()
    if session.km is None:
        session.start(str(Path(cwd).resolve()))
    if full:
        session.run_silently(_WARM_UP)


_local = threading.local()


def thread_session() -> KernelSession:
    """The kernel session of the current thread (a batch worker), started on first use
    and stopped when the process exits."""
    session = getattr(_local, "session", None)
    if session is None:
        session = KernelSession()
        _local.session = session
        atexit.register(session.close)
    return session


def close_thread_session() -> None:
    session = getattr(_local, "session", None)
    if session is not None:
        session.close()
        _local.session = None
