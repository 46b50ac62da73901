"""One process at a time runs the background jobs (ledger polling, e-mail, overdue marking, PDF
rendering, exports), whichever holds the lease in the database.

Every process tries to take or renew the lease every few seconds: an UPDATE that succeeds only
for the current holder or once the lease has expired, so the database decides and two processes
never both believe they lead for longer than one renewal interval. A holder that dies (kill -9,
crash, lost host) stops renewing, and another process takes over when the lease runs out.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from data import JobLease, utcnow
from data.db import begin_write, rows_changed

log = logging.getLogger(__name__)
BACKGROUND_LEASE = "background-jobs"
LEASE_SECONDS = 15.0


def process_identity() -> str:
    """Who holds a lease: host, process id and a random part (pids are reused after restarts)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def try_lead(db: Session, holder: str, *, name: str = BACKGROUND_LEASE, seconds: float = LEASE_SECONDS,
             now: datetime | None = None) -> bool:
    """Take or renew the lease for `holder`; True when `holder` holds it afterwards. Commits."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    begin_write(db)
    taken = rows_changed(db.execute(sa.update(JobLease).where(
        col(JobLease.name) == name, sa.or_(col(JobLease.holder) == holder, col(JobLease.expires_at) < now))
        .values(holder=holder, expires_at=expires)))
    if taken == 0 and db.get(JobLease, name) is None:
        db.add(JobLease(name=name, holder=holder, expires_at=expires, acquired_at=now))
        try:
            db.commit()
        except sa.exc.IntegrityError:  # another process inserted it first
            db.rollback()
            return False
        return True
    db.commit()
    return taken == 1


def release(db: Session, holder: str, *, name: str = BACKGROUND_LEASE) -> None:
    """Give the lease up at a clean shutdown, so another process need not wait for it to expire."""
    db.execute(sa.delete(JobLease).where(col(JobLease.name) == name, col(JobLease.holder) == holder))
    db.commit()


def current_holder(db: Session, *, name: str = BACKGROUND_LEASE, now: datetime | None = None) -> str | None:
    lease = db.get(JobLease, name, populate_existing=True)
    if lease is None or lease.expires_at < (now or utcnow()):
        return None
    return lease.holder


class Leadership:
    """This process's view of the lease, renewed by a scheduler job; jobs ask `is_leader`."""

    def __init__(self, engine: sa.Engine, lease_seconds: float = LEASE_SECONDS) -> None:
        self.holder = process_identity()
        self.engine = engine
        self.lease_seconds = lease_seconds
        self.renew_seconds = lease_seconds / 5  # several renewals fit in a lease: one slow one does not lose it
        self.is_leader = False
        self._held_until = 0.0  # monotonic: the lease this process last won is surely its own until then

    def renew(self) -> bool:
        started = time.monotonic()
        try:
            with Session(self.engine) as db:
                leading = try_lead(db, self.holder, seconds=self.lease_seconds)
            if leading:  # counted from before the attempt, so never later than the row's expiry
                self._held_until = started + self.lease_seconds - self.renew_seconds
        except sa.exc.OperationalError as error:
            # Database busy or gone: no one else can take a lease that has not expired, so a leader
            # keeps leading until its own lease ends instead of at the first busy renewal; a
            # follower does not start on a guess.
            log.warning("could not renew the background-jobs lease: %s", type(error.orig).__name__)
            leading = self.is_leader and time.monotonic() < self._held_until
        if leading != self.is_leader:
            log.info("this process %s the background jobs (%s)", "now runs" if leading else "no longer runs",
                     self.holder)
        self.is_leader = leading
        return leading

    def give_up(self) -> None:
        if self.is_leader:
            with Session(self.engine) as db:
                release(db, self.holder)
            self.is_leader = False
