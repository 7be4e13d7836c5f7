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
        said = []
        while not said or "serving on" not in said[-1]:  # the first start prints an admin credential once
            said.append(process.stdout.readline())
            assert said[-1], "".join(said)
        admin_key = next(line.split()[-1] for line in said if "API key" in line)
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
        media = [p for p in (SAMPLES / "media").iterdir() if p.suffix != ".json"]
        assert len(works) == len(list((SAMPLES / "articles").glob("*.txt"))) + len(media)
        with urllib.request.urlopen(f"{base}/docs", timeout=5) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{base}/log/checkpoint", timeout=5) as response:
            assert response.read().decode().splitlines()[1] == str(len(works))
        whoami = urllib.request.Request(f"{base}/api/v1/whoami", headers={"Authorization": f"Bearer {admin_key}"})
        with urllib.request.urlopen(whoami, timeout=5) as response:
            assert json.load(response)["role"] == "admin"
        details = urllib.request.Request(f"{base}/api/v1/works/{works[0]['work_id']}",
                                         headers={"Authorization": f"Bearer {admin_key}"})
        with urllib.request.urlopen(details, timeout=5) as response:
            assert json.load(response)["registrant"] == "samples"  # the samples' organisation
    finally:
        process.terminate()
        process.wait(timeout=20)
    again = subprocess.run([sys.executable, "-m", "web.cli", "admin", "key", "list", "--json",
                            "--data-dir", str(tmp_path / "home")], capture_output=True, text=True, env=env, timeout=60)
    assert [k["role"] for k in json.loads(again.stdout)] == ["admin"], "one admin credential, made once"


def _editor_key(home, env) -> str:  # type: ignore[no-untyped-def]
    """An editor key of the default organisation, issued through the local admin command."""
    done = subprocess.run([sys.executable, "-m", "web.cli", "admin", "key", "issue", "--org", "local", "--role",
                           "editor", "--json", "--data-dir", str(home)], capture_output=True, text=True, env=env,
                          timeout=60, check=True)
    return json.loads(done.stdout)["key"]


def test_monitor_follows_a_live_log(tmp_path, database_url):
    port = _free_port()
    env = {**os.environ, "AIGC_REGISTRY_DATABASE_URL": database_url}
    api_key = _editor_key(tmp_path / "home", env)
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--no-samples",
         "--data-dir", str(tmp_path / "home")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/log/key", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.3)
        key = (tmp_path / "home" / "keys" / "log-checkpoint.vkey").read_text().strip()
        monitor = subprocess.Popen([sys.executable, "-m", "web.cli", "log", "monitor", base, "--key", key,
                                    "--count", "3", "--interval", "1.5", "--json"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = json.loads(monitor.stdout.readline())
        assert first["kind"] == "first" and first["size"] == 0
        for slug in ("calder-valley-storm", "water-main-upgrade"):
            body, boundary = _multipart((SAMPLES / "articles" / f"{slug}.txt").read_bytes())
            request = urllib.request.Request(f"{base}/api/v1/works", data=body, method="POST",
                                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                      "Authorization": f"Bearer {api_key}"})
            urllib.request.urlopen(request, timeout=30).close()
        rest, errors = monitor.communicate(timeout=60)
        assert monitor.returncode == 0, errors
        events = [json.loads(line) for line in rest.splitlines()]
        assert events[0]["kind"] == "grew" and events[0]["size"] == 2 and events[-1]["size"] == 2
    finally:
        server.terminate()
        server.wait(timeout=20)


def _multipart(text: bytes) -> tuple[bytes, str]:
    boundary = "aigc-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nclaude\r\n'.encode(),
             f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
             f"Content-Type: text/plain\r\n\r\n".encode() + text + b"\r\n", f"--{boundary}--\r\n".encode()]
    return b"".join(parts), boundary


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            assert process.poll() is None, f"process exited with {process.returncode}"
            assert time.monotonic() < deadline, f"{url} did not answer within {seconds} s"
            time.sleep(0.3)


def test_served_log_is_cosigned_by_a_witness_process(tmp_path, database_url):
    from registry.tlog.cosignature import generate_cosignature_key

    skey, witness_vkey = generate_cosignature_key("witness.test")
    key_file = tmp_path / "witness.skey"
    key_file.write_text(skey + "\n")
    log_port, witness_port = _free_port(), _free_port()
    env = {**os.environ, "AIGC_REGISTRY_DATABASE_URL": database_url,
           "AIGC_REGISTRY_WITNESS_INTERVAL_SECONDS": "0.3",
           "AIGC_REGISTRY_WITNESSES": json.dumps([{"url": f"http://127.0.0.1:{witness_port}", "key": witness_vkey}])}
    api_key = _editor_key(tmp_path / "home", env)
    server = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(log_port), "--no-samples",
                               "--data-dir", str(tmp_path / "home")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{log_port}"
    witness = None
    try:
        _wait_for(f"{base}/log/key", server)
        log_vkey = urllib.request.urlopen(f"{base}/log/key", timeout=5).read().decode().strip()
        witness = subprocess.Popen([sys.executable, "-m", "web.cli", "log", "witness", "--name", "witness.test",
                                    "--key-file", str(key_file), "--state", str(tmp_path / "witness.json"),
                                    "--log", log_vkey, "--port", str(witness_port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(f"http://127.0.0.1:{witness_port}/key", witness)
        body, boundary = _multipart((SAMPLES / "articles" / "calder-valley-storm.txt").read_bytes())
        request = urllib.request.Request(f"{base}/api/v1/works", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                  "Authorization": f"Bearer {api_key}"})
        work = json.load(urllib.request.urlopen(request, timeout=30))
        deadline = time.monotonic() + 30
        while "witness.test" not in urllib.request.urlopen(f"{base}/log/checkpoint", timeout=5).read().decode():
            assert time.monotonic() < deadline, "no cosignature within 30 s"
            time.sleep(0.3)
        receipt = tmp_path / "work.receipt"
        receipt.write_bytes(urllib.request.urlopen(f"{base}/api/v1/works/{work['work_id']}/receipt", timeout=5).read())
        done = subprocess.run([sys.executable, "-m", "web.cli", "log", "verify", str(receipt), "--key", log_vkey,
                               "--witness", witness_vkey, "--require-cosignatures", "1", "--json"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["cosignatures"][0]["witness"] == "witness.test"
        assert json.loads((tmp_path / "witness.json").read_text())["logs"][log_vkey.split("+")[0]]["size"] == 1
    finally:
        for process in (witness, server):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
