"""Registry settings: every knob in one validated object, passed around, never imported as a global.

>>> from pathlib import Path
>>> s = Settings(data_dir=Path("/tmp/example-registry"))
>>> s.effective_database_url
'sqlite:////tmp/example-registry/registry.sqlite3'
>>> s.log_origin
'aigc-registry.local/log'
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """`$AIGC_REGISTRY_HOME`, else `$XDG_DATA_HOME/aigc-registry`, else `~/.local/share/aigc-registry`."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "aigc-registry"


class WitnessConfig(BaseModel):
    """A witness the log asks to cosign its checkpoints (c2sp.org/tlog-witness)."""

    url: str = Field(description="base URL; the log POSTs to <url>/add-checkpoint")
    key: str = Field(description="the witness's cosignature/v1 verifier key (name+keyid+base64)")


class Settings(BaseSettings):
    """Settings read from `AIGC_REGISTRY_*` environment variables, overridable by arguments."""

    model_config = SettingsConfigDict(env_prefix="AIGC_REGISTRY_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias=AliasChoices("data_dir", "AIGC_REGISTRY_HOME"),
        description="Folder holding the SQLite database, blobs and keys.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default SQLite in the data folder. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    log_origin: str = Field(
        default="aigc-registry.local/log",
        description="The transparency log's origin line (C2SP tlog-checkpoint) and key name.",
    )
    organisation: str = Field(default="aigc-registry", description="Name in the local PKI's certificates.")
    default_registrant: str = Field(default="local", description="Party that registers when none is named.")
    max_article_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="Largest article accepted.")
    max_upload_bytes: int = Field(default=2 * 1024 * 1024 * 1024, gt=0, description="Largest upload of any kind.")
    max_video_bytes: int = Field(default=512 * 1024 * 1024, gt=0, description="Largest video accepted.")
    max_json_bytes: int = Field(default=1024 * 1024, gt=0,
                                description="Largest request body that is not an upload (JSON, forms without files).")
    body_read_timeout_seconds: float = Field(default=30.0, gt=0,
                                             description="A request body that sends nothing for this long is refused (408).")
    max_image_bytes: int = Field(default=50 * 1024 * 1024, gt=0, description="Largest image accepted.")
    claim_threshold: float = Field(default=0.5, ge=0, le=1,
                                   description="Lowest match score that becomes a claim in the reviewers' queue.")
    dispute_days: int = Field(default=30, ge=1, le=3650,
                              description="Days the registering organisation has to dispute a confirmed claim.")
    max_video_seconds: float = Field(default=3600.0, gt=0, description="Longest video decoded.")
    max_video_pixels: int = Field(default=4096 * 2304, gt=0, description="Most pixels per video frame decoded.")
    decode_isolation: bool = Field(default=True, description="decode uploaded videos and images in worker "
                                   "processes (POSIX); false: in the server process")
    decode_workers: int = Field(default=2, ge=1, le=64, description="most worker processes decoding at once")
    decode_memory_mb: int = Field(default=2048, ge=1, description="address space a decoding worker may use "
                                  "(RLIMIT_AS, Linux only); an idle worker holds about 530 MB")
    decode_timeout_seconds: float = Field(default=600.0, gt=0, description="wall-clock time one decode may "
                                          "take before its worker is killed")
    iscc_ffmpeg: str = Field(
        default="auto", description="the FFmpeg program that computes videos' MPEG-7 signatures for their ISCC "
        "Video-Code (it needs the GPL 'signature' filter): 'auto' (imageio-ffmpeg's, else 'ffmpeg' on the PATH if "
        "it has the filter), a path, or 'off' (videos' ISCC-CODEs then have no Content unit)")
    signing_chain_path: Path | None = Field(
        default=None, description="PEM chain (leaf first) of a deployment's own C2PA signing certificate."
    )
    signing_key_path: Path | None = Field(default=None, description="PKCS#8 PEM key for signing_chain_path.")
    signing_callback: str | None = Field(
        default=None,
        description="'module:function' signing with a key held elsewhere (HSM, KMS): function(data: bytes) -> "
        "signature bytes; signing_chain_path names its public chain. Replaces signing_key_path.",
    )
    signing_alg: str = Field(default="es256", description="Algorithm of the signing key (es256, es384, ed25519...).")
    timestamp_authority: str = Field(
        default="local",
        description="RFC 3161 timestamps in every manifest: 'local' (the registry's own TSA, in process on "
        "127.0.0.1, certified by the local intermediate), an http(s) URL of another TSA, or 'off'.",
    )
    service_provider: str | None = Field(
        default=None, description="GB 45438 ContentProducer named in every manifest; default: organisation."
    )
    trust_anchors_path: Path | None = Field(
        default=None, description="Extra PEM trust anchors for C2PA verification (the local root is always one)."
    )
    log_key_path: Path | None = Field(
        default=None, description="Signed-note private key (PRIVATE+KEY+...) for checkpoints; default in data dir."
    )
    log_key: SecretStr | None = Field(
        default=None, description="the checkpoint key itself (PRIVATE+KEY+...), e.g. from a secret store through "
        "the environment; replaces log_key_path")
    signing_key_pem: SecretStr | None = Field(
        default=None, description="the PKCS#8 PEM signing key itself (for signing_chain_path), from the "
        "environment; replaces signing_key_path")
    keys_path: Path | None = Field(
        default=None, description="the folder of the registry's whole signing identity (PKI, TSA, checkpoint key), "
        "shared by every process of a deployment; default: keys/ in the data folder")
    log_batch_size: int = Field(default=256, ge=1, le=65536, description="most log appends per transaction")
    log_batch_wait_ms: float = Field(
        default=0.0, ge=0, le=10_000,
        description="after the first append of a batch, how long to wait for more (0: group commit only)",
    )
    blobs: str | None = Field(
        default=None, description="where blobs live: s3://BUCKET/PREFIX (endpoint and credentials from the standard "
        "AWS_* variables), or a folder (default: blobs/ in the data folder)")
    blob_cache_bytes: int = Field(default=2 << 30, ge=0, description="local copies of S3 blobs kept for reading "
                                  "(videos decoded, manifests validated, downloads), least recently used out first")
    job_queue: str | None = Field(
        default=None, description="redis://HOST:PORT/DB: asynchronous jobs go on an RQ queue there, run by "
        "`aigc-registry worker` processes (default: threads of `serve`)")
    job_threads: int = Field(default=2, ge=1, le=64, description="threads of `serve` running jobs (without job_queue)")
    tiles: str | None = Field(
        default=None, description="s3://BUCKET/PREFIX or a folder: full C2SP tiles are copied there (by "
        "`aigc-registry worker`, or `aigc-registry log mirror-tiles`) for a CDN or static server to serve")
    tiles_public_url: str | None = Field(
        default=None, description="the public URL of the tiles mirror (https://...): the API redirects requests "
        "for mirrored full tiles there")
    video_snapshot_rows: int = Field(
        default=1_000_000, ge=0, description="`aigc-registry worker` writes a new video index snapshot (memory-mapped "
        "by every process) once this many frame rows were registered since the last one (0: never)")
    video_snapshot_check_seconds: float = Field(
        default=30.0, ge=0, description="how often a process looks for a newer video index snapshot")
    witnesses: list[WitnessConfig] = Field(
        default_factory=list,
        description='witnesses to push checkpoints to, as JSON: [{"url": "http://...", "key": "name+id+b64"}]',
    )
    webhook_sender: bool = Field(default=True, description="send webhook deliveries from a thread: of `serve`, or "
                                 "of `aigc-registry worker` when job_queue is set; "
                                 "own (off where a worker sends them)")
    webhook_poll_seconds: float = Field(default=2.0, gt=0, description="how often the sender looks for due deliveries")
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=120, description="how long a receiver may take")
    webhook_private_targets: bool = Field(default=False, description="allow webhook URLs on loopback, private and "
                                          "link-local addresses (a receiver on the registry's own network)")
    witness_interval_seconds: float = Field(default=5.0, gt=0, description="how often `serve` pushes to witnesses")
    load_samples: bool = Field(default=True, description="`serve` registers samples/ on an empty registry.")
    contact: str = Field(default="the registry's operator",
                         description="whom to ask about an unpublished work that matches (an email or URL)")
    require_key_for_public: bool = Field(
        default=False, description="require a credential even for what a public registry gives anyone: the log, "
        "verification of a file, and published works")
    cors_allow_origins: list[str] = Field(
        default_factory=list, description='origins allowed to call the API from a browser, as JSON: '
        '["https://newsroom.example"] (default: none; same-origin pages only)')
    rate_limit_writes: str = Field(default="120/minute", description="per credential (or address, anonymous): "
                                   "registrations and other writes, in the limits library's notation; 'off' disables")
    rate_limit_matches: str = Field(default="60/minute", description="per credential (or address): matches "
                                    "and verifications; 'off' disables")
    rate_limit_storage: str = Field(default="memory://", description="where rate-limit counters live: memory:// "
                                    "(one process) or redis://host:port (shared by processes)")

    @field_validator("timestamp_authority", mode="after")
    @classmethod
    def _timestamp_choice(cls, value: str) -> str:
        if value not in ("local", "off") and not value.startswith(("http://", "https://")):
            raise ValueError(f"timestamp_authority must be 'local', 'off' or an http(s) URL, got {value!r}")
        return value

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'registry.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def key_dir(self) -> Path:
        return self.keys_path.expanduser().absolute() if self.keys_path else self.data_dir / "keys"
