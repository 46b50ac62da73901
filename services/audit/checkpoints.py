"""Signed checkpoints of the audit chain, kept outside the database.

The chain proves that no row was changed or taken out of its middle, but someone with write access
to the database can delete the newest rows and set the chain head back: what remains is a valid,
shorter chain. A checkpoint (row count, head hash, time; HMAC under the secret key) written to a
file outside the database, and optionally to syslog, pins the chain's length and head as they were:
`verify_against_checkpoints` reports a trail that is shorter than its last checkpoint or differs
from it at the checkpointed row.

It cannot catch rows written after the last checkpoint and removed before the next one (written
every few minutes and at every verify), nor someone who holds the secret key and can rewrite the
file too; a syslog copy forwarded to another machine removes the second gap. After a backup is
restored, `record_restore` starts a new series (the rows since the backup are gone on purpose); the
file keeps the earlier checkpoints, so the loss stays on record.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from data import AuditChainHead, AuditEvent, utcnow
from services.audit.chain import ChainVerdict, verify_audit_chain
from services.config.keys import keyed_hash
from services.config.settings import Settings

CHECKPOINT_PURPOSE = "audit-checkpoint"
SYSLOG_ADDRESS = "/dev/log"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    """The chain as it was at `written_at`: `seq` rows, the last one hashing to `head_hash`. A
    `restore` checkpoint starts a new series after a backup was restored."""

    seq: int
    head_hash: str
    written_at: str  # ISO 8601, UTC
    kind: str = "checkpoint"  # or "restore"
    mac: str = ""

    def signed(self, secret_key: str) -> Checkpoint:
        return Checkpoint(self.seq, self.head_hash, self.written_at, self.kind, _mac(secret_key, self))

    def genuine(self, secret_key: str) -> bool:
        return self.mac == _mac(secret_key, self)


def _mac(secret_key: str, checkpoint: Checkpoint) -> str:
    return keyed_hash(secret_key, CHECKPOINT_PURPOSE,
                      f"{checkpoint.kind}|{checkpoint.seq}|{checkpoint.head_hash}|{checkpoint.written_at}")


def checkpoint_path(settings: Settings) -> Path:
    """Where checkpoints are appended: PORTAL_AUDIT_CHECKPOINT_FILE, else a file in the data folder."""
    return settings.audit_checkpoint_file or settings.data_dir / "audit-checkpoints.jsonl"


def current_head(db: Session) -> tuple[int, str]:
    head = db.get(AuditChainHead, 1, populate_existing=True)
    return (head.last_seq, head.last_hash) if head is not None else (0, "")


def write_checkpoint(db: Session, settings: Settings, secret_key: str, *, kind: str = "checkpoint",
                     now: datetime | None = None) -> Checkpoint:
    """Append a signed checkpoint of the chain as it stands in `db` (to the file, and to syslog when
    configured); returns it."""
    seq, head_hash = current_head(db)
    checkpoint = Checkpoint(seq, head_hash, (now or utcnow()).isoformat(timespec="seconds"), kind).signed(secret_key)
    line = json.dumps(asdict(checkpoint), sort_keys=True)
    path = checkpoint_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: several processes append whole lines without overwriting each other.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if settings.audit_checkpoint_syslog:
        _to_syslog(line)
    return checkpoint


def record_restore(db: Session, settings: Settings, secret_key: str) -> Checkpoint:
    """After restoring a backup: a signed marker from which checkpoints count again."""
    return write_checkpoint(db, settings, secret_key, kind="restore")


def _to_syslog(line: str) -> None:
    try:
        handler = logging.handlers.SysLogHandler(address=SYSLOG_ADDRESS,
                                                 facility=logging.handlers.SysLogHandler.LOG_AUTH)
    except OSError as error:
        log.warning("audit checkpoint not sent to syslog (%s)", error)
        return
    try:
        handler.emit(logging.LogRecord("invoice-portal", logging.INFO, __file__, 0,
                                       "invoice-portal audit checkpoint %s", (line,), None))
    finally:
        handler.close()


def read_checkpoints(settings: Settings) -> list[dict[str, object]]:
    """Every line of the checkpoint file as parsed JSON (a line that is not JSON comes back as {})."""
    path = checkpoint_path(settings)
    if not path.exists():
        return []
    found: list[dict[str, object]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            value = {}
        found.append(value if isinstance(value, dict) else {})
    return found


@dataclass(frozen=True)
class CheckpointVerdict:
    """What the checkpoints say of the chain: `problem` is None when it matches the last one."""

    checkpoints: int  # genuine ones in the current series
    last: Checkpoint | None
    problem: str | None = None
    forged_lines: int = 0  # lines in the file that are not genuine checkpoints

    @property
    def intact(self) -> bool:
        return self.problem is None and self.forged_lines == 0


def verify_against_checkpoints(db: Session, settings: Settings, secret_key: str) -> CheckpointVerdict:
    """Compare the chain with the newest genuine checkpoint since the last restore: shorter than it,
    or another hash at its row, means rows were removed or the chain was rebuilt."""
    series: list[Checkpoint] = []
    forged = 0
    for entry in read_checkpoints(settings):
        try:
            checkpoint = Checkpoint(seq=int(entry["seq"]), head_hash=str(entry["head_hash"]),  # type: ignore[call-overload]
                                    written_at=str(entry["written_at"]), kind=str(entry.get("kind", "checkpoint")),
                                    mac=str(entry["mac"]))
        except (KeyError, TypeError, ValueError):
            forged += 1
            continue
        if not checkpoint.genuine(secret_key):
            forged += 1
            continue
        if checkpoint.kind == "restore":
            series = []
        series.append(checkpoint)
    for before, after in zip(series, series[1:]):
        if after.seq < before.seq:  # the chain only grows: it was cut between these two checkpoints
            return CheckpointVerdict(len(series), after, f"the trail had {before.seq:,} rows on {before.written_at} "
                                     f"but {after.seq:,} on {after.written_at}: rows were removed", forged)
    last = max(series, key=lambda checkpoint: checkpoint.seq, default=None)
    if last is None or last.seq == 0:
        return CheckpointVerdict(len(series), last, None, forged)
    seq, _head_hash = current_head(db)
    stored = db.exec(select(col(AuditEvent.row_hash)).where(col(AuditEvent.seq) == last.seq)).first()
    if seq < last.seq or stored is None:
        return CheckpointVerdict(len(series), last, f"the trail has {seq:,} rows, but on {last.written_at} it had "
                                 f"{last.seq:,}: rows were removed", forged)
    if stored != last.head_hash:
        return CheckpointVerdict(len(series), last, f"row {last.seq:,} differs from the checkpoint of "
                                 f"{last.written_at}: the chain was rebuilt", forged)
    return CheckpointVerdict(len(series), last, None, forged)


@dataclass(frozen=True)
class TrailVerdict:
    """The chain's verdict and the checkpoints' together; `checkpoint_written` when this check
    pinned the intact chain with a new checkpoint."""

    chain: ChainVerdict
    checkpoints: CheckpointVerdict
    checkpoint_written: bool = False

    @property
    def intact(self) -> bool:
        return self.chain.intact and self.checkpoints.intact

    def problems(self) -> list[str]:
        found = []
        if not self.chain.intact:
            found.append(f"row {self.chain.first_bad_seq} (id {self.chain.first_bad_id}): {self.chain.problem}; "
                         f"the {self.chain.rows_checked:,} rows before it are intact")
        if self.checkpoints.problem is not None:
            found.append(self.checkpoints.problem)
        if self.checkpoints.forged_lines:
            found.append(f"{self.checkpoints.forged_lines:,} line(s) of the checkpoint file are not genuine "
                         "checkpoints: it was edited")
        return found


def verify_trail(db: Session, settings: Settings, secret_key: str) -> TrailVerdict:
    """Verify the chain row by row and against its checkpoints; when both hold, write a checkpoint."""
    chain = verify_audit_chain(db, secret_key)
    checkpoints = verify_against_checkpoints(db, settings, secret_key)
    written = False
    if chain.intact and checkpoints.intact:
        write_checkpoint(db, settings, secret_key)
        written = True
    return TrailVerdict(chain, checkpoints, written)
