"""Stateful property: any sequence of appends, concurrent writers, restarts and proofs keeps every
older checkpoint consistent with every newer one, and every entry provable, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlmodel import delete, select

from registry.models import LogCheckpoint, LogCosignature, LogEntry, LogNode
from registry.service import Registry
from registry.tlog.checkpoint import open_checkpoint
from registry.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion

_counter = itertools.count()


def _no_rows(session, index):
    return None


def make_machine(settings):
    class LogMachine(RuleBasedStateMachine):
        @initialize()
        def open(self):
            self.registry = Registry.open(settings)
            with self.registry.db.writing() as session:  # every example starts from an empty log
                for table in (LogCosignature, LogCheckpoint, LogNode, LogEntry):
                    session.exec(delete(table))  # type: ignore[call-overload]
            self.restart()

        def teardown(self):
            self.registry.close()

        @rule(count=st.integers(1, 5))
        def append_one_by_one(self, count):
            for _ in range(count):
                self.registry.sequencer.submit(f"leaf {next(_counter)}".encode(), _no_rows)

        @rule(writers=st.integers(2, 8))
        def append_concurrently(self, writers):
            leaves = [f"leaf {next(_counter)}".encode() for _ in range(writers)]
            with ThreadPoolExecutor(writers) as pool:
                list(pool.map(lambda leaf: self.registry.sequencer.submit(leaf, _no_rows), leaves))

        @rule()
        def restart(self):
            self.registry.close()
            self.registry = Registry.open(settings)  # recomputes the root against the newest checkpoint

        @rule(data=st.data())
        def prove_an_entry(self, data):
            with self.registry.db.reading() as session:
                checkpoint = self.registry.log.latest_checkpoint(session)
                if checkpoint.size == 0:
                    return
                index = data.draw(st.integers(0, checkpoint.size - 1))
                receipt = self.registry.log.receipt(session, index, checkpoint)
                leaf = self.registry.log.entry(session, index).leaf
            verify_inclusion(leaf_hash(leaf), index, checkpoint.size, list(receipt.proof), checkpoint.root_hash)

        @invariant()
        def every_older_checkpoint_is_consistent_with_every_newer_one(self):
            with self.registry.db.reading() as session:
                rows = session.exec(select(LogCheckpoint).order_by(LogCheckpoint.size)).all()  # type: ignore[arg-type]
                checkpoints = [open_checkpoint(row.note, self.registry.keys.log_verifier) for row in rows]
                for old, new in itertools.combinations(checkpoints[-12:], 2):
                    if old.size == 0:
                        continue
                    proof = self.registry.log.consistency(session, old.size, new.size)
                    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)

    return LogMachine


def test_log_stays_consistent_under_any_sequence(settings):
    machine = make_machine(settings)
    run_state_machine_as_test(machine, settings=hypothesis_settings(
        max_examples=12, stateful_step_count=8, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
