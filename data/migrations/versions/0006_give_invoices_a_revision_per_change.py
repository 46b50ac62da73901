"""give invoices a revision per change; documents belong to a revision

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 11:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
    # Until now a document belonged to a ledger version, and every invoice was at revision 1 of it.
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_document_invoice_id_version'), type_='unique')
        batch_op.alter_column('version', new_column_name='revision')
    op.execute("UPDATE document SET revision = 1")
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f('uq_document_invoice_id_revision'), ['invoice_id', 'revision'])


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_document_invoice_id_revision'), type_='unique')
        batch_op.alter_column('revision', new_column_name='version')
        batch_op.create_unique_constraint(op.f('uq_document_invoice_id_version'), ['invoice_id', 'version'])
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('revision')
