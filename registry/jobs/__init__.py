"""Jobs: long registrations, matches, verifications and claims answered at once (RFC 7240
`Prefer: respond-async`) and polled through any process: rows in the database (`store`), the work by
kind (`tasks`), run by threads of `serve` or by `aigc-registry worker` on a Redis queue (`runner`)."""

from .runner import LocalRunner, RedisRunner, execute
from .store import create_job, job_owner, job_view
from .tasks import register_upload, run_task

__all__ = ["LocalRunner", "RedisRunner", "create_job", "execute", "job_owner", "job_view", "register_upload",
           "run_task"]
