"""/c2pa/v1: the C2PA Soft Binding Resolution API (`registry.soft_binding.resolution` answers each route); and
/c2pa/*.pem: the certificates a C2PA verifier needs to trust the registry's manifests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from registry.errors import NotFoundError
from registry.soft_binding.bindings import SUPPORTED_ALGS
from registry.soft_binding.resolution import (DEFAULT_RESULTS, MAX_RESULTS, manifest_by_id, matches_by_binding,
                                              matches_by_content, supported_algorithms)

from .auth import PrincipalDep
from .deps import RegistryDep, discard, spool_body, upload_limit

router = APIRouter(prefix="/c2pa/v1", tags=["C2PA soft binding resolution"])
certificates = APIRouter(prefix="/c2pa", tags=["C2PA trust"])
PEM = {200: {"content": {"application/x-pem-file": {}}}}

ALG = ("a soft binding algorithm this registry supports (GET /c2pa/v1/services/supportedAlgorithms): "
       + ", ".join(SUPPORTED_ALGS))
MaxResults = Annotated[int, Query(alias="maxResults", ge=1, le=MAX_RESULTS,
                                  description="the most manifest ids to return")]
CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "video/mp4", "video/quicktime", "video/x-msvideo",
                 "text/plain", "text/html", "text/markdown")


class SoftBindingQuery(BaseModel):
    alg: str = Field(description=ALG)
    value: str = Field(description="the soft binding value, base64 (as in a c2pa.soft-binding assertion's block)")


@router.get("/services/supportedAlgorithms", summary="The soft binding algorithms this registry resolves")
def supported() -> dict:
    """Both are the registry's own fingerprints (not on the C2PA list): `registry.soft_binding.bindings` and the
    README name their values' formats."""
    return supported_algorithms()


@router.get("/matches/byBinding", summary="Manifest ids matching a soft binding value")
def by_binding(registry: RegistryDep, principal: PrincipalDep,
               alg: Annotated[str, Query(description=ALG)],
               value: Annotated[str, Query(description="the soft binding value, base64")],
               max_results: MaxResults = DEFAULT_RESULTS) -> dict:
    return matches_by_binding(registry, alg, value, max_results=max_results, principal=principal)


@router.post("/matches/byBinding", summary="Manifest ids matching a soft binding value too long for a URL")
def by_large_binding(registry: RegistryDep, principal: PrincipalDep, query: SoftBindingQuery,
                     max_results: MaxResults = DEFAULT_RESULTS) -> dict:
    return matches_by_binding(registry, query.alg, query.value, max_results=max_results, principal=principal)


@router.post("/matches/byContent", summary="Manifest ids matching an asset (an image, a video or an article)",
             openapi_extra={"requestBody": {"required": True, "description": "the asset's bytes, as its media type",
                                            "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                                                        for kind in CONTENT_TYPES}}})
async def by_content(request: Request, registry: RegistryDep, principal: PrincipalDep,
                     alg: Annotated[str | None, Query(description=ALG + " (optional: the one for the asset's kind)")]
                     = None,
                     max_results: MaxResults = DEFAULT_RESULTS) -> dict:
    """The body is the asset itself, with its media type as Content-Type (image/*, video/* or
    text/*: text/html and text/markdown are matched by their text); 415 for anything else."""
    path = await spool_body(request, upload_limit(registry), "asset")
    try:
        return await run_in_threadpool(matches_by_content, registry, path, request.headers.get("content-type"),
                                       alg=alg, max_results=max_results, principal=principal)
    finally:
        discard(path)


@router.get("/manifests/{manifest_id}", summary="The C2PA manifest store of a manifest id",
            responses={200: {"content": {"application/c2pa": {}}}})
def manifest(registry: RegistryDep, principal: PrincipalDep, manifest_id: str,
             return_active_manifest: Annotated[bool, Query(
                 alias="returnActiveManifest", description="only the active manifest, not the whole store")] = False,
             ) -> Response:
    store = manifest_by_id(registry, manifest_id, active_only=return_active_manifest, principal=principal)
    return Response(store, media_type="application/c2pa")


@certificates.get("/trust-anchors.pem", summary="The root certificate(s) the registry's C2PA signatures chain to",
                  responses=PEM)
def trust_anchors(registry: RegistryDep) -> Response:
    """Add it to a C2PA verifier's trust list (c2pa-rs `trust.trust_anchors`, c2patool
    `--trust_anchors`) to read the registry's manifests as Trusted. Partners' roots that the
    registry itself trusts are set with AIGC_REGISTRY_TRUST_ANCHORS_PATH."""
    return Response(registry.keys.trust_anchors_pem, media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="aigc-registry-trust-anchors.pem"'})


@certificates.get("/tsa.pem", summary="The registry's RFC 3161 time-stamping certificate and its chain",
                  responses=PEM)
def tsa_certificate(registry: RegistryDep) -> Response:
    """The certificate of the time-stamping authority the registry runs (`timestamp_authority =
    "local"`, the default), then the certificates up to the trust anchor; 404 when the registry
    uses another TSA or none."""
    authority = registry.keys.timestamp_authority
    if authority is None:
        raise NotFoundError("this registry runs no time-stamping authority of its own "
                            f"(timestamp_authority is {registry.settings.timestamp_authority!r})")
    return Response(authority.cert_pem + authority.chain_pem, media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="aigc-registry-tsa.pem"'})
