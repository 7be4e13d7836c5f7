"""The registry's keys: a local C2PA PKI, its time-stamp authority, and the checkpoint key.

On first use they are created in `<data dir>/keys/` with mode 0600; a deployment can point the
settings at its own certificate chain and key (or a signing callback into an HSM or KMS) and its
own checkpoint key instead. :func:`rotate_signing_key` replaces the local signing leaf; manifests
signed by earlier leaves keep verifying (each carries its chain and a timestamp, see ADR 7).

The first start is atomic, like the state files of Sunlight and Tessera (`first_start.py`): every
file is written and fsynced in `<data dir>/keys.tmp-*`, the marker `keys-complete` last, and the
folder is renamed to `keys/` in one step, so a crash leaves no keys folder or a whole one. A keys
folder without the marker was made by an older version, which could be killed half-way: what is
missing is made again only when nothing was signed with it yet (the database holds no checkpoint
signed by the log key, no entry signed under the PKI); otherwise opening stops with one line naming
the missing file. `files.py` names the files and writes each whole; `ring.py` reads them into a
`KeyRing` and rotates the signing leaf.

>>> import tempfile; from pathlib import Path; from registry.settings import Settings
>>> settings = Settings(data_dir=Path(tempfile.mkdtemp()))
>>> keys = load_keys(settings)
>>> sorted(p.name for p in settings.key_dir.iterdir())[:3]
['c2pa-intermediate.key', 'c2pa-intermediate.pem', 'c2pa-root.key']
>>> (settings.key_dir / KEYS_COMPLETE).is_file(), load_keys(settings).log_vkey == keys.log_vkey
(True, True)
"""

from .files import (
    INTERMEDIATE_CERT,
    INTERMEDIATE_KEY,
    KEYS_COMPLETE,
    KEYS_LOCK,
    LOG_FILES,
    LOG_KEY,
    LOG_VKEY,
    PKI_FILES,
    RETIRED,
    ROOT_CERT,
    ROOT_KEY,
    SIGNING_CHAIN,
    SIGNING_KEY,
    TEMP_FILE_SUFFIX,
    TEMP_FOLDER_PREFIX,
    TSA_CERT,
    TSA_FILES,
    TSA_KEY,
)
from .first_start import ensure_local_keys
from .ring import KeyRing, load_keys, rotate_signing_key

__all__ = [
    "INTERMEDIATE_CERT",
    "INTERMEDIATE_KEY",
    "KEYS_COMPLETE",
    "KEYS_LOCK",
    "LOG_FILES",
    "LOG_KEY",
    "LOG_VKEY",
    "PKI_FILES",
    "RETIRED",
    "ROOT_CERT",
    "ROOT_KEY",
    "SIGNING_CHAIN",
    "SIGNING_KEY",
    "TEMP_FILE_SUFFIX",
    "TEMP_FOLDER_PREFIX",
    "TSA_CERT",
    "TSA_FILES",
    "TSA_KEY",
    "KeyRing",
    "ensure_local_keys",
    "load_keys",
    "rotate_signing_key",
]
