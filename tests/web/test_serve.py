"""`aigc-registry serve` on an empty folder: initialises it, registers the samples, serves the API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from ..conftest import SAMPLES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_registers_samples_and_answers(tmp_path, database_url):
    port = _free_port()
    env = {**os.environ, "AIGC_REGISTRY_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path / "home")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/works?limit=500", timeout=2) as response:
                    works = json.load(response)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "serve did not answer within 90 s"
                time.sleep(0.3)
        assert len(works) == len(list((SAMPLES / "articles").glob("*.txt")))
        with urllib.request.urlopen(f"{base}/docs", timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{base}/log/checkpoint", timeout=5) as response:
            assert response.read().decode().splitlines()[1] == str(len(works))
    finally:
        process.terminate()
        process.wait(timeout=20)
