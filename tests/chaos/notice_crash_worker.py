"""The real worker (worker.run_worker) with two faults for the notification crash test, each fired once
(a marker file in CRASH_DIR remembers it): SIGKILL right after the projection that queued a deadline
warning committed (before Temporal recorded it), and SIGKILL right after the warning's SMS was written
to the outbox (before the notice was recorded as sent). Those are the two moments a notice could be
queued or sent twice.

    CRASH_DIR=/tmp/x python -m tests.chaos.notice_crash_worker   # same settings as worker.py
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import activities.projection as projection
import activities.sms as sms
from tests.chaos.chaos_worker import serve

log = logging.getLogger("liudan.chaos")


def _die_once(marker: str, why: str) -> None:
    path = Path(os.environ["CRASH_DIR"]) / marker
    if path.exists():
        return
    path.write_text(why)
    log.warning("crash: SIGKILL %s", why)
    logging.shutdown()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    write = projection.ProjectionActivities.write
    send = sms.OutboxSms.send

    def write_then_die(self: projection.ProjectionActivities, p: projection.Projection) -> bool:
        written = write(self, p)
        if written and any(e.action == "warning" for e in p.new_events):
            _die_once("projection", f"after committing the warning of {p.snapshot.code}")
        return written

    async def send_then_die(self: sms.OutboxSms, message: sms.SmsMessage) -> str:
        ref = await send(self, message)
        if message.event == "warning":
            _die_once("sms", f"after writing notice {message.notification_id} to the outbox")
        return ref

    projection.ProjectionActivities.write = write_then_die  # type: ignore[method-assign]
    sms.OutboxSms.send = send_then_die  # type: ignore[method-assign]
    serve()


if __name__ == "__main__":
    main()
