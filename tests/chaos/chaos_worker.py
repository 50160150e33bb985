"""The real worker (worker.run_worker) with one fault added for the chaos test: after a projection has
committed to the read model, the process kills itself with SIGKILL at random (CHAOS_KILL_AFTER_COMMIT,
a probability), before the workflow task that holds the decision reaches Temporal. That is the moment
that leaves a phantom in the read model; random kills from outside rarely hit it.

    CHAOS_KILL_AFTER_COMMIT=0.05 python -m tests.chaos.chaos_worker   # same settings as worker.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal

import activities.projection as projection
from settings import get_settings
from worker import run_worker

log = logging.getLogger("liudan.chaos")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    probability = float(os.environ.get("CHAOS_KILL_AFTER_COMMIT", "0"))
    write = projection.ProjectionActivities.write

    def write_then_maybe_die(self: projection.ProjectionActivities, p: projection.Projection) -> bool:
        written = write(self, p)
        if written and random.random() < probability:
            log.warning("chaos: SIGKILL after committing %s version %d", p.snapshot.code, p.snapshot.version)
            logging.shutdown()
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    projection.ProjectionActivities.write = write_then_maybe_die  # type: ignore[method-assign]
    serve()


def serve() -> None:
    """The real worker until SIGINT or SIGTERM, as worker.py runs it (the faults patched in before)."""
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(get_settings(), stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
