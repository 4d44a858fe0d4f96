"""``make lab``: JupyterLab in French on the kit's notebooks, as root or as a normal user.

The settings shipped with the kit (``jupyterlab_overrides.json``: French locale, no news, no update check) are
copied to ``{sys.prefix}/share/jupyter/lab/settings/overrides.json``, the place JupyterLab reads default overrides
from, so that the lab opens in French in the kit's environment without touching the user's own settings. The lab
runs with the kernel of this environment (``python3`` of ``sys.prefix``), adds ``--allow-root`` when run as root (the
usual case in a container) and prints, in French, the address to open.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

OVERRIDES = Path(__file__).with_name("jupyterlab_overrides.json")


def settings_dir(prefix: str | Path = sys.prefix) -> Path:
    """Application settings folder of JupyterLab in the environment ``prefix``."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings"


def install_overrides(prefix: str | Path = sys.prefix) -> Path:
    """Copy the kit's JupyterLab settings (French, no news) into the environment; return the file written."""
    target = settings_dir(prefix) / "overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(OVERRIDES, target)
    return target


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_command(folder: str | Path, port: int, token: str, *, root: bool | None = None) -> list[str]:
    """The ``jupyter lab`` command line of the kit (no browser opened; ``--allow-root`` when run as root)."""
    if root is None:
        root = hasattr(os, "geteuid") and os.geteuid() == 0
    command = [
        sys.executable, "-m", "jupyterlab", str(folder), "--no-browser", f"--ServerApp.port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0",
    ]
    if root:
        command.append("--allow-root")
    return command


def start_server(folder: str | Path, port: int, token: str) -> subprocess.Popen:
    """Start the kit's JupyterLab in the background (its output in a pipe, as text); the caller stops it."""
    return subprocess.Popen(lab_command(folder, port, token), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def address(port: int, token: str) -> str:
    return f"http://127.0.0.1:{port}/lab?token={token}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("notebooks")
    port = int(os.environ.get("PORT_LAB", "0")) or free_port()
    token = secrets.token_hex(16)
    install_overrides()
    print(f"JupyterLab (en français) démarre sur les notebooks de {folder}.")
    print(f"Ouvrez cette adresse dans votre navigateur : {address(port, token)}")
    print("Arrêt : Ctrl+C.", flush=True)
    try:
        return subprocess.call(lab_command(folder, port, token))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
