"""Kill a writer process mid-batch: nothing it was told is committed is lost, no half batch exists,
and the newest checkpoint is reproduced by what storage holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from registry.log_fsck import fsck_log
from registry.service import Registry
from registry.tlog.merkle import leaf_hash

WRITER = textwrap.dedent("""
    import sys, threading
    from pathlib import Path
    from registry.log_fsck import fsck_log
    from registry.service import Registry
    from registry.settings import Settings

    registry = Registry.open(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2], load_samples=False))
    printing = threading.Lock()

    def write(worker):
        n = 0
        while True:
            leaf = f"worker {worker} leaf {n}".encode()
            result = registry.sequencer.submit(leaf, lambda session, index: None)
            with printing:
                sys.stdout.write(f"{result.index} {leaf.decode()}\\n")
                sys.stdout.flush()
            n += 1

    for worker in range(8):
        threading.Thread(target=write, args=(worker,), daemon=True).start()
    threading.Event().wait()
""")


def test_killing_a_writer_mid_batch_loses_nothing_committed(registry, settings, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writer = subprocess.Popen([sys.executable, str(script), str(settings.data_dir), settings.effective_database_url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acknowledged = []
    for line in writer.stdout:
        index, leaf = line.rstrip("\n").split(" ", 1)
        acknowledged.append((int(index), leaf.encode()))
        if len(acknowledged) >= 150:
            break
    assert len(acknowledged) >= 150, f"the writer stopped early: {writer.stderr.read() if writer.poll() is not None else ''}"
    os.kill(writer.pid, signal.SIGKILL)  # mid-stream: batches are in flight
    writer.wait(timeout=30)
    writer.stdout.close()
    writer.stderr.close()

    reopened = Registry.open(settings)  # recomputes the root and refuses a disagreeing checkpoint
    try:
        with reopened.db.reading() as session:
            size = reopened.log.size(session)
            checkpoint = reopened.log.latest_checkpoint(session)
            assert checkpoint.size == size, "entries beyond the newest checkpoint: a half-committed batch"
            for index, leaf in acknowledged:  # every acknowledged append survived, at its index
                assert reopened.log.entry(session, index).leaf_hash == leaf_hash(leaf)
            assert len({reopened.log.entry(session, i).leaf for i in range(size)}) == size
        assert size >= len(acknowledged)
        report = fsck_log(reopened)  # every checkpoint signed is one the stored tree reproduces
        assert report.ok, report.first_disagreement and report.first_disagreement.message
    finally:
        reopened.close()
