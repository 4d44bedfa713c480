"""Process-level tuning for rendering on the CPU.

Each batch of 512×512 frames allocates tens of megabytes of tensors. glibc serves blocks that
large with fresh ``mmap`` calls and returns them on free, so every batch page-faults its
memory in again: on a 2-core machine that costs a third of the render time. Raising glibc's
mmap threshold keeps freed blocks in the heap for reuse, the effect jemalloc or tcmalloc would
have without preloading either.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed large blocks for reuse; ``False`` where this is not glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES) and mallopt(_M_TRIM_THRESHOLD, 2 * _KEEP_BYTES)
    )
