"""The claim state table: every transition by the right side, refusals that say why, and no action
leaving the known states."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

import registry.claims.states as states
from registry.claims.states import ACTIONS, FINAL, STATES, TRANSITIONS, TransitionError, next_state

CASES = [
    # (state, action, side, new state or the words of the refusal)
    ("potential", "confirm", "claimant", "confirmed"),
    ("potential", "dismiss", "claimant", "dismissed"),
    ("potential", "escalate", "claimant", "escalated"),
    ("escalated", "confirm", "claimant", "confirmed"),
    ("escalated", "dismiss", "claimant", "dismissed"),
    ("confirmed", "dispute", "respondent", "disputed"),
    ("disputed", "reinstate", "claimant", "reinstated"),
    ("disputed", "release", "claimant", "released"),
    ("potential", "dispute", "respondent", "cannot dispute"),
    ("confirmed", "confirm", "claimant", "cannot confirm"),
    ("confirmed", "dispute", "claimant", "only the organisation that registered the work"),
    ("potential", "confirm", "respondent", "only the organisation that filed the claim"),
    ("released", "reinstate", "claimant", "it is settled"),
    ("potential", "delete", "claimant", "unknown action"),
]


@pytest.mark.parametrize(("state", "action", "side", "outcome"), CASES)
def test_transitions(state, action, side, outcome):
    if outcome in STATES:
        assert next_state(state, action, side) == outcome
    else:
        with pytest.raises(TransitionError, match=outcome):
            next_state(state, action, side)


@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(["claimant", "respondent"])), max_size=12))
def test_any_sequence_stays_in_the_known_states_and_final_states_stay_final(steps):
    state = "potential"
    for action, side in steps:
        try:
            new_state = next_state(state, action, side)
        except TransitionError:
            continue
        assert state not in FINAL and new_state in STATES
        state = new_state


def test_every_state_but_the_final_ones_has_a_way_on():
    assert {s for s, _ in TRANSITIONS} == set(STATES) - FINAL


def test_the_docstring_examples_run():
    assert doctest.testmod(states).failed == 0
