"""The one bound the ISCC code puts on its child processes (FFmpeg signing a video, Python coding
a long text): an address-space limit (RLIMIT_AS, POSIX), set in the child before it runs."""

from __future__ import annotations

import os
from collections.abc import Callable


def address_space_limit(memory_mb: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` limiting the child to `memory_mb` of address space (a lower limit already in
    place stays), or None when no limit is asked for or the platform has none."""
    if not memory_mb or os.name != "posix":
        return None

    def limit() -> None:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = memory_mb << 20
        if soft != resource.RLIM_INFINITY:
            wanted = min(wanted, soft)
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    return limit
