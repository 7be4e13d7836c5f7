"""The registry: settings, database, blob store, keys and log, opened once and passed to the use cases.

>>> import tempfile, pathlib
>>> from registry.settings import Settings
>>> registry = Registry.open(Settings(data_dir=pathlib.Path(tempfile.mkdtemp())))
>>> registry.log_vkey.startswith(registry.settings.log_origin + "+")
True
>>> registry.close()
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from sqlmodel import select

from provenance.sign import ManifestSigner
from provenance.timestamp import LocalTimestampServer

from .accounts.access import WorkFactsCache
from .accounts.api_keys import KeyAuthenticator
from .accounts.orgs import ensure_org
from .blobs import BlobStore, open_blob_store
from .database import Database
from .decoding import DecodePool
from .errors import ConflictError, IntegrityError, UnknownPartyError
from .ids import new_id
from .keys import KeyRing, load_keys
from .models import Party
from .sequencer import Sequencer
from .settings import Settings
from .tlog.store import DatabaseLog
from .tile_mirror import FolderTiles, MirroredSize, S3Tiles, open_tile_mirror
from .video_index import RegistryVideoIndex

log = logging.getLogger(__name__)


@dataclass
class Registry:
    settings: Settings
    db: Database
    blobs: BlobStore
    keys: KeyRing
    log: DatabaseLog
    manifest_signer: ManifestSigner
    sequencer: Sequencer
    video_index: RegistryVideoIndex
    timestamps: LocalTimestampServer | None = None  # the local TSA, when settings.timestamp_authority is "local"
    key_authenticator: KeyAuthenticator = field(default_factory=KeyAuthenticator)
    work_facts: WorkFactsCache = field(default_factory=WorkFactsCache)  # what visibility checks need
    decode_pool: DecodePool | None = None  # workers decoding uploads; None: in this process (decode_isolation)
    tile_mirror: FolderTiles | S3Tiles | None = None  # where full tiles are copied (settings.tiles)
    mirrored_size: MirroredSize | None = None  # the tree size up to which the mirror holds every full tile

    @classmethod
    def open(cls, settings: Settings, *, check_log: bool = True, load_video_index: bool = True) -> Registry:
        """Open (and on first use initialise) the registry described by `settings`.

        Opening recomputes the log's root and refuses a log that disagrees with its newest signed
        checkpoint, and warns of text fingerprints an older algorithm made; `log fsck`, which exists to
        say where the log is wrong, and the worker processes of an import, whose parent opened the
        registry, open with `check_log=False` and skip both. `load_video_index=False`: a process that
        handles no video or image (an import's workers) does not read every video fingerprint in."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        keys = load_keys(settings)
        db = Database(settings.effective_database_url)
        db.ensure_schema()
        log = DatabaseLog(settings.log_origin, keys.log_signer)
        timestamps = LocalTimestampServer(keys.timestamp_authority) if keys.timestamp_authority else None
        tsa_url = timestamps.url if timestamps else (
            settings.timestamp_authority if settings.timestamp_authority != "off" else None)
        tile_mirror = open_tile_mirror(settings.tiles)
        blobs = open_blob_store(settings.blobs, settings.blob_dir, settings.data_dir / "blob-cache",
                                cache_bytes=settings.blob_cache_bytes)
        try:
            registry = cls(
                settings=settings,
                db=db,
                blobs=blobs,
                keys=keys,
                log=log,
                manifest_signer=ManifestSigner(keys.signing, trust_anchors_pem=keys.trust_anchors_pem, tsa_url=tsa_url,
                                               service_provider=settings.service_provider or settings.organisation),
                sequencer=Sequencer(db, log, batch_size=settings.log_batch_size,
                                    batch_wait_ms=settings.log_batch_wait_ms),
                tile_mirror=tile_mirror,
                mirrored_size=MirroredSize(tile_mirror) if tile_mirror is not None else None,
                video_index=RegistryVideoIndex(blobs, settings.data_dir / "video-index",
                                               check_seconds=settings.video_snapshot_check_seconds),
                timestamps=timestamps,
                decode_pool=DecodePool(workers=settings.decode_workers) if settings.decode_isolation else None,
            )
            registry._initialise(check_log, load_video_index)
        except BaseException:
            if timestamps is not None:
                timestamps.close()
            raise
        return registry

    def _initialise(self, check_log: bool, load_video_index: bool) -> None:
        from sqlalchemy.exc import IntegrityError as SqlIntegrityError

        for attempt in (1, 2):
            try:
                with self.db.writing() as session:
                    ensure_org(session, self.settings.default_registrant)  # the local operator's organisation
                    if self.log.latest_checkpoint(session) is None:
                        self.log.lock(session)
                        self.log.publish_checkpoint(session)  # the empty tree's
                break
            except (SqlIntegrityError, ConflictError):  # another process starting at the same moment did it first
                if attempt == 2:
                    raise
        with self.db.reading() as session:
            self._check_log_key(session)
            if load_video_index:
                self.video_index.catch_up(session)  # every video and image fingerprint, in one query
            if not check_log:
                return
            self.log.check_root(session)
            from .text_refingerprint import older_text_fingerprints

            if older := older_text_fingerprints(session):
                log.warning("%d text fingerprints were made by an older algorithm: run `aigc-registry migrate` "
                            "to make them again (traditional Chinese copies of them are not found until then)", older)

    def _check_log_key(self, session) -> None:  # type: ignore[no-untyped-def]
        """Refuse to sign a log whose newest checkpoint another key signed: one line naming the mismatch."""
        from .tlog.checkpoint import open_checkpoint
        from .tlog.errors import LogError

        latest = self.log.latest_checkpoint(session)
        if latest is None:
            return
        try:
            open_checkpoint(latest.note, self.keys.log_verifier, origin=self.settings.log_origin)
        except LogError as e:
            raise IntegrityError(
                f"the log's newest checkpoint (size {latest.size}) does not verify with this registry's log key "
                f"{self.keys.log_vkey} and origin {self.settings.log_origin!r} ({e}): the keys folder, "
                "AIGC_REGISTRY_LOG_KEY_PATH or AIGC_REGISTRY_LOG_ORIGIN belongs to another log") from e

    @property
    def log_vkey(self) -> str:
        return self.keys.log_vkey

    def close(self) -> None:
        self.sequencer.close()
        self.db.dispose()
        if self.timestamps is not None:
            self.timestamps.close()
        if self.decode_pool is not None:
            self.decode_pool.close()


def ensure_party(session, name: str, kind: str = "organisation") -> Party:  # type: ignore[no-untyped-def]
    party = find_party(session, name)
    if party is None:
        party = Party(id=new_id(), name=name, kind=kind, commitment_salt=secrets.token_hex(16))
        session.add(party)
        session.flush()
    return party


def find_party(session, name_or_id: str) -> Party | None:  # type: ignore[no-untyped-def]
    statement = select(Party).where((Party.name == name_or_id) | (Party.id == name_or_id))
    return session.exec(statement).first()


def require_party(session, name_or_id: str) -> Party:  # type: ignore[no-untyped-def]
    party = find_party(session, name_or_id)
    if party is None:
        raise UnknownPartyError(f"unknown party {name_or_id!r}: register the party first")
    return party
