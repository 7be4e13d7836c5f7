"""The caller of a registry use case, as its credential proved it.

>>> editor = Principal(kind="key", org_id="O1", org_name="Daily", role="editor", credential="key:ab12")
>>> editor.authenticated, editor.is_admin, editor.at_least("reviewer"), editor.at_least("owner")
(True, False, True, False)
>>> ANONYMOUS.authenticated
False
"""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds of organisation (`admin org create --kind`).
ORG_KINDS = ("newsroom", "creator", "rights", "platform", "data", "model")
#: Roles within an organisation, most powerful first; `admin` is registry-wide and outside any.
ORG_ROLES = ("owner", "editor", "reviewer", "viewer")
ADMIN = "admin"
ROLES = (ADMIN, *ORG_ROLES)
# what each role may also do: an owner does all an editor does, an editor all a reviewer does...
_RANK = {"viewer": 0, "reviewer": 1, "editor": 2, "owner": 3, ADMIN: 4}


@dataclass(frozen=True)
class Principal:
    """`kind`: anonymous | key | session | operator (the local CLI, acting as the registry's operator).
    `credential` names what proved it (`key:<id>`, `session:<user>`, `operator`), never a secret."""

    kind: str
    org_id: str | None = None
    org_name: str | None = None
    role: str | None = None
    user_id: str | None = None
    user_email: str | None = None
    credential: str = "anonymous"

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN or self.kind == "operator"

    def at_least(self, role: str) -> bool:
        return self.role is not None and _RANK[self.role] >= _RANK[role]

    def in_org(self, org_id: str | None) -> bool:
        return org_id is not None and self.org_id == org_id

    @property
    def actor(self) -> str:
        """A stable name of who acts: the user (across their sessions and keys), else the credential."""
        return f"user:{self.user_id}" if self.user_id else self.credential

    def describe(self) -> str:
        """Who, for the audit log and signatures: `key:ab12 (editor of Daily)`."""
        if self.kind == "operator":
            return "operator (local command line)"
        if not self.authenticated:
            return "anonymous"
        where = f" of {self.org_name}" if self.org_name else ""
        who = f" {self.user_email}" if self.user_email else ""
        return f"{self.credential}{who} ({self.role}{where})"


ANONYMOUS = Principal(kind="anonymous")
OPERATOR = Principal(kind="operator", role=ADMIN, credential="operator")
