"""Diagnostic for benchmarks.bench_load_sessions --gc-probe: on PYTHONPATH of the server only, it
prints every garbage collection that held the process for more than 50 ms (full ones stop the
event loop, and with it every open page's websocket)."""

import gc
import sys
import time

_started = [0.0]


def _report_slow_collections(phase: str, info: dict) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _started[0]
    if took > 0.05:
        print(f"GCPROBE gen{info['generation']} {took * 1000:.0f} ms collected {info['collected']} "
              f"blocks {sys.getallocatedblocks()} at {time.time():.3f}", file=sys.stderr, flush=True)


gc.callbacks.append(_report_slow_collections)
