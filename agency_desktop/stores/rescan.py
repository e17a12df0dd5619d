"""Scan store files through the scan cache: a folder's new and changed files (and the ones
that went away), or files the user opened one by one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .listing import StoreScan, scan_store
from .parallel import ScanQueue
from .signatures import Signature, file_signature, is_settled

if TYPE_CHECKING:
    from .scan_cache import ScanCache


@dataclass(frozen=True)
class Removed:
    path: Path


def rescan_changes(
    candidates: Iterable[Path],
    known: dict[Path, Signature],
    cache: ScanCache | None = None,
    folder: Path | None = None,
    *,
    reuse_cache: bool = True,
) -> Iterator[tuple[StoreScan, Signature | None] | Removed]:
    """Scan only files that are new or changed since `known`; report the ones that went away.

    `candidates` is usually `iter_candidate_files(folder)`; `known` is what the
    caller saw last time (an empty dict for a first, full scan, where every file is
    new and is handed to the scanners as soon as it is listed). With a `cache`, a
    file it holds unchanged is answered from it at once, and new scans are kept there;
    given the `folder` the candidates are in, a first scan answers with everything the
    cache knows there before the folder is even listed. With `reuse_cache` False every
    file is read, and what is read is kept in the cache.
    """
    seen: set[Path] = set()
    queue = ScanQueue()
    with contextlib.ExitStack() as stack:
        remembered = stack.enter_context(cache.opened()) if cache is not None else None
        stack.callback(queue.cancel)  # the consumer stopped early: drop the queued work

        def scanned(results: Iterator[tuple[StoreScan, Signature | None, bool]]) -> Iterator[Any]:
            for scan, signature, settled in results:
                if remembered is not None:
                    remembered.remember(scan, signature, settled)
                yield scan, signature

        answered: set[Path] = set()
        answering = remembered if reuse_cache else None
        if answering is not None and folder is not None and not known:
            for scan, still in answering.still_valid_in(folder):
                answered.add(scan.path)
                yield scan, still
        for path in candidates:
            # Hashing a Path costs more than reading it is worth skipping: only when needed.
            if known:
                seen.add(path)
            if answered and path in answered:
                continue
            signature = file_signature(path) if known or remembered is not None else None
            if known and known.get(path) == signature:
                continue
            hit = answering.lookup(path, signature) if answering is not None else None
            if hit is not None:
                yield hit, signature
                continue
            yield from scanned(queue.add(path))
        yield from scanned(queue.finish())
    for path in known:
        if path not in seen:
            yield Removed(path)


def scan_files(
    paths: list[Path], cache: ScanCache | None
) -> list[tuple[StoreScan, Signature | None]]:
    """Each file's scan, with its signature taken before the scan (so a change during the
    scan still shows as a change to whoever watches the files next). A file the cache
    holds unchanged is not read: a store opened before opens at once."""
    checked = []
    with cache.opened() if cache is not None else contextlib.nullcontext() as remembered:
        for path in paths:
            signature = file_signature(path)
            settled = signature is not None and is_settled(signature)
            scan = remembered.lookup(path, signature) if remembered is not None else None
            if scan is None:
                scan = scan_store(path)
                if remembered is not None:
                    remembered.remember(scan, signature, settled)
            checked.append((scan, signature))
    return checked
