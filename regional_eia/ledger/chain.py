"""The hash chain over entries: each entry carries the SHA-256 of itself and of the entry before it.

Editing any field of an entry or of its batch, deleting an entry, or inserting one changes the hash of
every entry after it, so ``ledger verify`` finds it even where the database's append-only triggers
were dropped. The ledger's head (entry count and last hash, kept apart and only ever moved forward)
catches a deletion at the end; for a deliberate editor who rewrites the head as well, keep the head
hash that ``verify`` prints (minutes of the committee, an export kept elsewhere) and check it later
with ``verify(expect_head=...)``.
"""

from __future__ import annotations

import hashlib
import json

from .models import Entry

__all__ = ["GENESIS", "entry_hash", "chain"]

GENESIS = "0" * 64  # what the first entry's "hash of the one before" is


def _canonical(entry: Entry) -> bytes:
    fields = entry.model_dump(mode="json", exclude={"hash"})
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(previous: str, entry: Entry) -> str:
    """The hash of ``entry`` following the entry whose hash is ``previous``.

    Examples
    --------
    >>> e = Entry(entry=1, batch="b", kind="commit", project="P", park="K", metric="wastewater",
    ...           basis="final_discharge", unit="m3/d", amount=10.0, pool="commit", recorded_by="x",
    ...           recorded_at="2027-01-01T00:00:00+00:00", reason="")
    >>> entry_hash(GENESIS, e) == entry_hash(GENESIS, e.model_copy(update={"hash": "0" * 64}))
    True
    >>> entry_hash(GENESIS, e) == entry_hash(GENESIS, e.model_copy(update={"amount": 10.5}))
    False
    """
    return hashlib.sha256(previous.encode("ascii") + b"\n" + _canonical(entry)).hexdigest()


def chain(entries: list[Entry], previous: str = GENESIS) -> list[Entry]:
    """``entries`` (in order) with their hashes set, following ``previous``."""
    out = []
    for entry in entries:
        previous = entry_hash(previous, entry)
        out.append(entry.model_copy(update={"hash": previous}))
    return out
