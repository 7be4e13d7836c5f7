"""Traditional and simplified Chinese folded together: every traditional character (and the Taiwan
and Hong Kong variants) mapped to its simplified form, one code point to one, so that a
traditional-script copy of a simplified original meets it character for character and offsets
stay put.

The table, ``t2s.tsv`` beside this module, is made from OpenCC (Open Chinese Convert, Apache
License 2.0, https://github.com/BYVoid/OpenCC), the maintained conversion tables, by
``python -m fingerprint.text._script`` with the ``opencc`` package installed (a test checks that
the shipped table is what the installed OpenCC gives). It is shipped rather than computed at run
time because a fingerprint must not change when a dependency is upgraded: the registry compares
fingerprints made years apart.

Each character is converted alone (OpenCC's ``t2s``, then ``tw2s`` and ``hk2s`` for what ``t2s``
leaves), so phrase-level choices (乾隆 / 干燥) are not made: both sides of a comparison are folded
the same way, which is all matching needs.

>>> fold_chinese_script("臺灣的軟體與網路")
'台湾的软体与网路'
>>> fold_chinese_script("台湾的软体与网路")  # simplified text is left as it is
'台湾的软体与网路'
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

TABLE = Path(__file__).with_name("t2s.tsv")
_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2EBF0), (0x2F800, 0x2FA20),
           (0x30000, 0x323B0))  # CJK unified ideographs, extensions A to H, compatibility ideographs
_CONFIGS = ("t2s", "tw2s", "hk2s")


def build_table() -> dict[int, int]:
    """{traditional code point: simplified code point} from the installed OpenCC, closed (a mapped
    character is never itself mapped again)."""
    import opencc

    codes = [c for first, end in _RANGES for c in range(first, end)]
    source = "\n".join(map(chr, codes))
    table: dict[int, int] = {}
    for config in _CONFIGS:
        converted = opencc.OpenCC(config).convert(source).split("\n")
        if len(converted) != len(codes):
            raise RuntimeError(f"OpenCC {config} did not convert one character per line")
        for code, out in zip(codes, converted):
            if len(out) == 1 and ord(out) != code and code not in table:
                table[code] = ord(out)
    for code in list(table):  # follow chains to their end: folding twice changes nothing
        seen = {code}
        while table[code] in table and table[code] not in seen:
            seen.add(table[code])
            table[code] = table[table[code]]
    return {code: target for code, target in table.items() if code != target}


def table_text(table: dict[int, int]) -> str:
    header = ("# traditional -> simplified, one code point to one; from OpenCC (Apache License 2.0, "
              "https://github.com/BYVoid/OpenCC)\n# configs " + ", ".join(_CONFIGS) +
              "; regenerate with: python -m fingerprint.text._script\n")
    return header + "".join(f"{chr(code)}\t{chr(target)}\n" for code, target in sorted(table.items()))


@lru_cache(maxsize=1)
def fold_table() -> np.ndarray:
    """uint32 array: index = code point (up to the highest mapped one), value = its folded form."""
    pairs = [line.split("\t") for line in TABLE.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    keys = np.array([ord(k) for k, _ in pairs], np.uint32)
    values = np.array([ord(v) for _, v in pairs], np.uint32)
    array = np.arange(int(keys.max()) + 1, dtype=np.uint32)
    array[keys] = values
    return array


def fold_codes(codes: np.ndarray) -> np.ndarray:
    """Code points (uint32) with traditional characters replaced by simplified ones."""
    table = fold_table()
    inside = codes < len(table)
    if not inside.any():
        return codes
    return np.where(inside, table[np.minimum(codes, len(table) - 1)], codes).astype(np.uint32)


def fold_chinese_script(text: str) -> str:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return fold_codes(codes).astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


if __name__ == "__main__":
    built = build_table()
    TABLE.write_text(table_text(built), encoding="utf-8")
    print(f"{len(built):,} characters folded; written to {TABLE}", file=sys.stderr)
