"""Who is speaking: organisations, users, API keys, sessions, the audit log, and the object-level
rules that decide what a caller may see and change.

- `principal.py`: `Principal`, the authenticated caller (or anonymous, or the local operator); roles.
- `credentials.py`: API key and session token format and hashing; argon2id passwords.
- `orgs.py`: organisations, users and memberships (each organisation has its own payee party).
- `api_keys.py`: issue, list, revoke and authenticate API keys.
- `sessions.py`: password sign-in and browser sessions with their CSRF tokens.
- `audit.py`: the audit log.
- `access.py`: object-level rules: which works a caller sees, owns, and for which parties it consents.
- `bootstrap.py`: the first start's admin credential and the samples' organisation.
"""
