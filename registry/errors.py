"""The registry's error family; the web layer maps each class to one HTTP status in one handler."""

from __future__ import annotations


class RegistryError(Exception):
    """Base of every error the registry raises on purpose. `code` is a stable machine-readable name."""

    code = "registry_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInputError(RegistryError):
    """The request is malformed: bad metadata, wrong kind, not text."""

    code = "invalid_input"


class BadQueryError(RegistryError):
    """A query value the C2PA Soft Binding Resolution API answers 400 for ("Invalid query value"):
    an algorithm not supported, a binding value not of its algorithm's format."""

    code = "bad_query"


class UnsupportedMediaError(RegistryError):
    """The bytes are not of a kind the registry handles, or not the kind they were declared as."""

    code = "unsupported_media"


class PayloadTooLargeError(RegistryError):
    code = "payload_too_large"


class NotFoundError(RegistryError):
    code = "not_found"


class UnknownPartyError(NotFoundError):
    code = "unknown_party"


class UnknownWorkError(NotFoundError):
    code = "unknown_work"


class ConflictError(RegistryError):
    """The content is already registered; `details["work_id"]` names the existing work."""

    code = "already_registered"


class ClaimStateError(ConflictError):
    """The claim's state does not allow this action (a settled claim, a dispute after its deadline)."""

    code = "claim_state"


class IntegrityError(RegistryError):
    """Stored state disagrees with itself (a log whose root does not recompute, a missing blob)."""

    code = "integrity_error"


class ForbiddenError(RegistryError):
    """The caller may not do this: its role does not allow it, or the object is another
    organisation's (record another registrant's work as a parent, change a published work)."""

    code = "forbidden"


class UnauthenticatedError(RegistryError):
    """No credential where one is needed, or one that is malformed, unknown, expired or revoked."""

    code = "unauthenticated"


class RateLimitedError(RegistryError):
    """Too many requests from one credential; `details["retry_after"]` says how many seconds to wait."""

    code = "rate_limited"
