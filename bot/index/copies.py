"""Wire copies: the same agency story republished by several outlets, recognised at ingest.

An article is cut into word shingles (every run of ``SHINGLE`` lowercased words); a MinHash
signature of that set is split into ``BANDS`` bands whose hashes go into the catalog beside the
document. A new article's band hashes find the documents that share a band (locality-sensitive
hashing: pairs above ~0.4 Jaccard almost always share one, unrelated articles almost never), and a
candidate becomes a *copy* only when the exact Jaccard similarity of the two shingle sets reaches
the threshold (``BOT_COPY_THRESHOLD``). Every copy stays a document of its own, with its own title,
source, URL and date; the catalog keeps the verified links, and retrieval lets one document of a
linked pair stand for the others, listing them as "also published by" (``bot.answering.retrieve``).

Why our own MinHash rather than datasketch's: datasketch needs scipy (~40 MB) for its LSH parameter
search, and the default install stays light; the signature is a few lines of numpy and equals
datasketch's ``scheme="legacy"`` MinHash (SHA-1 32-bit hashes, the same random permutations;
checked in the tests), so evals/wirecopies.py can compare the two.

Why links rather than stored groups: a link records the content hash of both documents it joined,
and it is read only while both hashes are current, so a copy whose text was re-ingested with
changes (or whose partner was) can never keep a stale group, even when two workers race; a
re-ingest recomputes the document's links.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass, field

import numpy as np

SHINGLE = 5  # words per shingle (evals/wirecopies.py measured 3, 5 and 7 on edited copies)
PERMS = 128
BANDS, ROWS = 32, 4  # 32 bands of 4 rows: P(candidate) 0.87 at J=0.5, 0.99 at J=0.6, 0.23 at J=0.3
_PRIME = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"\w+")


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's legacy permutations for seed 1 (a in [1, p), b in [0, p), drawn in pairs)."""
    gen = np.random.RandomState(1)
    pairs = [
        (gen.randint(1, _PRIME, dtype=np.uint64), gen.randint(0, _PRIME, dtype=np.uint64))
        for _ in range(PERMS)
    ]
    a, b = np.array(pairs, dtype=np.uint64).T
    return a, b


_A, _B = _permutations()


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """The set of ``size``-word runs of the lowercased text (a text shorter than that is one shingle)."""
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))} if words else set()


def signature(items: set[str]) -> np.ndarray:
    """MinHash of a shingle set: for each of ``PERMS`` permutations, the smallest permuted hash."""
    if not items:
        return np.full(PERMS, _MAX32, dtype=np.uint64)
    hv = np.array(
        [struct.unpack("<I", hashlib.sha1(s.encode("utf-8")).digest()[:4])[0] for s in items], dtype=np.uint64
    )
    phv = np.bitwise_and((hv[:, None] * _A + _B) % _PRIME, _MAX32)
    return phv.min(axis=0)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (band number and its rows hashed), as stored in the catalog."""
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS].astype("<u8").tobytes()
        digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
        keys.append(struct.unpack("<q", digest)[0])
    return keys


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class Fingerprint:
    """What copy detection needs of one text: its shingles (for the exact check) and band keys."""

    shingles: set[str]
    keys: list[int] = field(default_factory=list)


def fingerprint(text: str) -> Fingerprint:
    items = shingles(text)
    return Fingerprint(items, band_keys(signature(items)) if items else [])
