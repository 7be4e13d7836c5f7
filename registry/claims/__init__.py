"""Claims that a suspect file copies a registered work, reviewed and disputed (issue 13): the state
table (`states`, pure) and the use cases (`service`)."""

from .service import act_on_claim, claim_details, file_claims, list_claims, suspect_frame
from .states import ACTIONS, STATES, TransitionError, next_state

__all__ = ["ACTIONS", "STATES", "TransitionError", "act_on_claim", "claim_details", "file_claims", "list_claims",
           "next_state", "suspect_frame"]
