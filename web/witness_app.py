"""A small witness server (c2sp.org/tlog-witness): POST /add-checkpoint cosigns consistent checkpoints.

`aigc-registry log witness` runs it; the registry's log pushes its checkpoints here.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from registry.tlog.witness import (
    InconsistentCheckpointError,
    UnknownOriginError,
    UntrustedCheckpointError,
    Witness,
    WitnessConflictError,
    WitnessError,
    WitnessRequestError,
)

MAX_BODY = 1 << 20


def create_witness_app(witness: Witness) -> FastAPI:
    app = FastAPI(title=f"aigc-registry witness {witness.name}", summary="c2sp.org/tlog-witness")

    @app.post("/add-checkpoint", response_class=PlainTextResponse)
    async def add_checkpoint(request: Request) -> PlainTextResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse(f"request body over {MAX_BODY} bytes\n", status_code=413)
        try:
            line = witness.add_request(body.decode("utf-8", "strict"), int(time.time()))
        except UnicodeDecodeError:
            return PlainTextResponse("request body is not UTF-8\n", status_code=400)
        except WitnessConflictError as e:  # includes a fork at the recorded size
            return PlainTextResponse(f"{e.recorded_size}\n", status_code=409, media_type="text/x.tlog.size")
        except UnknownOriginError as e:
            return PlainTextResponse(f"{e}\n", status_code=404)
        except UntrustedCheckpointError as e:
            return PlainTextResponse(f"{e}\n", status_code=403)
        except InconsistentCheckpointError as e:
            return PlainTextResponse(f"{e}\n", status_code=422)
        except (WitnessRequestError, WitnessError) as e:
            return PlainTextResponse(f"{e}\n", status_code=400)
        return PlainTextResponse(line, media_type="text/x.tlog.signature")

    @app.get("/key", response_class=PlainTextResponse, summary="The witness's cosignature verifier key")
    def key() -> str:
        return witness.verifier_key() + "\n"

    return app
