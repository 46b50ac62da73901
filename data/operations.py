"""Coordination between portal processes: which one runs the background jobs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from data.base import metadata  # noqa: F401  (naming convention before any table)
from data.types import UTCDateTime


class JobLease(SQLModel, table=True):
    """A lease on a set of jobs: the holder runs them until it stops renewing and the lease expires."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128, description="host:pid:random of the process holding it")
    expires_at: datetime = Field(sa_type=UTCDateTime)
    acquired_at: datetime = Field(sa_type=UTCDateTime)
