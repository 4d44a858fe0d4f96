"""``make lab`` (``diversification.run.lab``): JupyterLab in French, no news, as root, with the address printed."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request

import pytest

from diversification.run import lab


def test_shipped_settings_are_french_without_news():
    settings = json.loads(lab.OVERRIDES.read_text(encoding="utf-8"))
    assert settings["@jupyterlab/translation-extension:plugin"]["locale"] == "fr_FR"
    news = settings["@jupyterlab/apputils-extension:notification"]
    assert news["fetchNews"] == "false" and news["checkForUpdates"] is False


def test_overrides_installed_in_the_environment(tmp_path):
    written = lab.install_overrides(tmp_path)
    assert written == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(written.read_text(encoding="utf-8")) == json.loads(lab.OVERRIDES.read_text(encoding="utf-8"))


def test_command_allows_root_only_as_root():
    as_root = lab.lab_command("notebooks", 8899, "jeton", root=True)
    as_user = lab.lab_command("notebooks", 8899, "jeton", root=False)
    assert "--allow-root" in as_root and "--allow-root" not in as_user
    assert "--no-browser" in as_user and "--ServerApp.port=8899" in as_user
    assert lab.address(8899, "jeton") == "http://127.0.0.1:8899/lab?token=jeton"


def _get(port: int, token: str, path: str, proc: subprocess.Popen) -> dict:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={token}", timeout=2) as answer:
                return json.load(answer)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read() if proc.poll() is not None else ""
                pytest.fail(f"JupyterLab n'a pas répondu sur le port {port} : {output}")
            time.sleep(0.3)


def test_lab_starts_in_french_with_the_kit_settings(tmp_path):
    """The real server, started as the current user (root in CI containers), serves French by default."""
    lab.install_overrides()
    port, token = lab.free_port(), "jeton-de-test"
    proc = lab.start_server(tmp_path, port, token)
    try:
        locale = _get(port, token, "/lab/api/settings/@jupyterlab/translation-extension:plugin", proc)
        assert locale["schema"]["properties"]["locale"]["default"] == "fr_FR"
        news = _get(port, token, "/lab/api/settings/@jupyterlab/apputils-extension:notification", proc)
        assert news["schema"]["properties"]["fetchNews"]["default"] == "false"
        assert "fr_FR" in _get(port, token, "/lab/api/translations/", proc)["data"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_main_prints_the_address(monkeypatch, capsys, tmp_path):
    calls = []
    monkeypatch.setattr(lab, "install_overrides", lambda: tmp_path / "overrides.json")
    monkeypatch.setattr(lab.subprocess, "call", lambda command: calls.append(command) or 0)
    monkeypatch.setenv("PORT_LAB", "8765")
    assert lab.main(["notebooks"]) == 0
    out = capsys.readouterr().out
    assert "Ouvrez cette adresse dans votre navigateur : http://127.0.0.1:8765/lab?token=" in out
    assert calls and "--ServerApp.port=8765" in calls[0]
