"""A claim's life, as a table: which action moves it from which state to which, and which side of
the claim may take it (the claimant, whose reviewer filed it, or the respondent, the organisation
that registered the work). Pure: no database, no clock but the one passed in.

    potential --confirm--> confirmed --dispute (respondent, before the deadline)--> disputed
        |  \\--escalate--> escalated --confirm / dismiss-->                           |
        \\--dismiss--> dismissed                              reinstate / release (claimant)

>>> next_state("potential", "confirm", "claimant")
'confirmed'
>>> next_state("confirmed", "dispute", "claimant")
Traceback (most recent call last):
...
registry.claims.states.TransitionError: only the organisation that registered the work may dispute a claim
"""

from __future__ import annotations

from datetime import datetime, timedelta

STATES = ("potential", "confirmed", "dismissed", "escalated", "disputed", "reinstated", "released")
FINAL = frozenset({"dismissed", "reinstated", "released"})

#: (state, action) -> (new state, the side that may act)
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("potential", "confirm"): ("confirmed", "claimant"),
    ("potential", "dismiss"): ("dismissed", "claimant"),
    ("potential", "escalate"): ("escalated", "claimant"),
    ("escalated", "confirm"): ("confirmed", "claimant"),
    ("escalated", "dismiss"): ("dismissed", "claimant"),
    ("confirmed", "dispute"): ("disputed", "respondent"),
    ("disputed", "reinstate"): ("reinstated", "claimant"),
    ("disputed", "release"): ("released", "claimant"),
}
ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))
_WHO = {"claimant": "the organisation that filed the claim", "respondent": "the organisation that registered the work"}


class TransitionError(ValueError):
    """An action the claim's state does not allow (``wrong_side``: the caller's side may not take it)."""

    def __init__(self, message: str, *, wrong_side: bool = False) -> None:
        super().__init__(message)
        self.wrong_side = wrong_side


def next_state(state: str, action: str, side: str) -> str:
    """The state after `action`, taken by `side` ("claimant" or "respondent"), or TransitionError."""
    if action not in ACTIONS:
        raise TransitionError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    found = TRANSITIONS.get((state, action))
    if found is None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == state)
        raise TransitionError(f"a {state} claim cannot {action}" +
                              (f": it can {', '.join(allowed)}" if allowed else ": it is settled"))
    new_state, who = found
    if side != who:
        raise TransitionError(f"only {_WHO[who]} may {action} a claim", wrong_side=True)
    return new_state


def dispute_deadline(confirmed_at: datetime, days: int) -> datetime:
    """The last moment a confirmed claim may be disputed."""
    return confirmed_at + timedelta(days=days)


def check_dispute_in_time(deadline: datetime | None, now: datetime) -> None:
    if deadline is None:
        raise TransitionError("this claim cannot be disputed: it is against the claimant's own work")
    if now > deadline:
        raise TransitionError(f"the time to dispute this claim ended at {deadline.isoformat()}")
