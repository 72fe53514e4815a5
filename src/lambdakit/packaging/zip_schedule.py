"""Schedule the deflating: ops in write order, work on a thread pool, a bounded window in flight."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeAlias

from zlib_ng import zlib_ng

from lambdakit.packaging.zip_deflate import DICT_SIZE, Deflated, deflate, deflate_batch, pieces
from lambdakit.packaging.zip_format import CHUNK_SIZE
from lambdakit.packaging.zip_plan import Planned, changed

_BATCH_BYTES = 256 * 1024
_BATCH_COUNT = 256
_ENTRY_COST = 4096
"""Bytes charged to the in-flight window per entry, so that tiny entries are bounded too."""


@dataclass(frozen=True)
class Whole:
    """A small entry, deflated in one piece as part of a batch."""

    item: Planned
    batch: Future[list[Deflated]]
    index: int

    @property
    def cost(self) -> int:
        return self.item.size + _ENTRY_COST


@dataclass(frozen=True)
class Begin:
    """The start of a big entry: a local header whose CRC and sizes come at `End`."""

    item: Planned
    cost: int = _ENTRY_COST


@dataclass(frozen=True)
class Piece:
    """One `CHUNK_SIZE` piece of a big entry, being deflated."""

    deflated: Future[bytes]
    cost: int


@dataclass(frozen=True)
class End:
    """The end of a big entry, read whole by now: its CRC and size are known."""

    item: Planned
    crc: int
    size: int
    cost: int = 0


@dataclass(frozen=True)
class Copy:
    """An entry copied from a source zip as it is stored there."""

    item: Planned
    cost: int = _ENTRY_COST


Op: TypeAlias = Whole | Begin | Piece | End | Copy


def run_schedule(
    plan: list[Planned], apply: Callable[[Op], None], level: int, workers: int
) -> None:
    """Hand the ops of `plan` to `apply` in order, keeping a bounded window of work in flight."""
    window = (4 * workers + 4) * CHUNK_SIZE
    pending: deque[Op] = deque()
    in_flight = 0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambdakit-zip")
    ops = _schedule(plan, pool, level)
    try:
        for op in ops:
            pending.append(op)
            in_flight += op.cost
            while in_flight > window:
                done = pending.popleft()
                in_flight -= done.cost
                apply(done)
        while pending:
            apply(pending.popleft())
    finally:
        ops.close()
        pool.shutdown(wait=True, cancel_futures=True)


def _schedule(plan: list[Planned], pool: ThreadPoolExecutor, level: int) -> Generator[Op]:
    """The ops of `plan` in order; small entries go to workers in batches, big ones in pieces."""
    batch: list[Planned] = []
    batch_bytes = 0
    for item in plan:
        small = item.source is None and item.size <= CHUNK_SIZE
        if small:
            batch.append(item)
            batch_bytes += item.size
        if batch and (not small or batch_bytes >= _BATCH_BYTES or len(batch) >= _BATCH_COUNT):
            yield from _submit_batch(batch, pool, level)
            batch, batch_bytes = [], 0
        if item.source is not None:
            yield Copy(item)
        elif not small:
            yield from _submit_pieces(item, pool, level)
    if batch:
        yield from _submit_batch(batch, pool, level)


def _submit_batch(batch: list[Planned], pool: ThreadPoolExecutor, level: int) -> Iterator[Op]:
    future = pool.submit(deflate_batch, batch, level)
    for index, item in enumerate(batch):
        yield Whole(item, future, index)


def _submit_pieces(item: Planned, pool: ThreadPoolExecutor, level: int) -> Iterator[Op]:
    """Read a big entry once, in order, computing its CRC and handing each piece to a worker."""
    yield Begin(item)
    crc = 0
    done = 0
    zdict: bytes | None = None
    for piece in pieces(item):
        done += len(piece)
        if done > item.size:
            raise changed(item)
        crc = zlib_ng.crc32(piece, crc)
        final = done == item.size
        yield Piece(pool.submit(deflate, piece, level, zdict, final=final), len(piece))
        zdict = bytes(piece[-DICT_SIZE:])
    if done != item.size:
        raise changed(item)
    yield End(item, crc, done)
