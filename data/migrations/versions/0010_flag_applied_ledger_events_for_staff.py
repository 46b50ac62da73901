"""flag applied ledger events for staff (overpayments)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_inbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_ledger_inbox_flag_received', ['flag', 'received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_inbox_flag_received')
        batch_op.drop_column('flag')
