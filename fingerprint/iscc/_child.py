"""The one bound the ISCC code puts on its child processes (FFmpeg signing a video, Python coding
a long text): an address-space limit (RLIMIT_AS, POSIX), set in the child before it runs.

The limit is set by a POSIX shell's ``ulimit -v`` that then execs the command, not by a Python
``preexec_fn``: Python code run between fork and exec can deadlock on a lock another thread of the
server held at the fork (one such child hung a test run: an ``import`` inside the preexec_fn)."""

from __future__ import annotations

import os
import shutil

_SHELL = "/bin/sh"


def with_address_space_limit(command: list[str], memory_mb: int | None) -> list[str]:
    """`command` run with at most `memory_mb` of address space (a lower limit already in place
    stays), or as it is when no limit is asked for or the platform has no POSIX shell."""
    if not memory_mb or os.name != "posix" or shutil.which(_SHELL) is None:
        return command
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = memory_mb << 20
    for current in (soft, hard):
        if current != resource.RLIM_INFINITY:
            wanted = min(wanted, current)
    # sh -c SCRIPT NAME ARGS...: NAME (the program's, so the shell's own errors say which) is "$0",
    # the limit in KiB "$1", then the command, exec'd in place of the shell
    name = os.path.basename(command[0])
    return [_SHELL, "-c", 'ulimit -v "$1" && shift && exec "$@"', name, str(wanted >> 10), *command]
