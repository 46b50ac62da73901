"""invitations for addresses that have an account elsewhere (answered like any other)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('role', sa.Enum('owner', 'accountant', 'viewer', 'admin', 'support', name='role',
                                                      native_enum=False, create_constraint=True, length=24),
                                      nullable=True))
        batch_op.add_column(sa.Column('display_name', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_invitation_customer_id'), ['customer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invitation_customer_id_customer'), 'customer', ['customer_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade() -> None:
    op.execute("DELETE FROM invitation WHERE user_id IS NULL")
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_customer_id_customer'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitation_customer_id'))
        batch_op.drop_column('display_name')
        batch_op.drop_column('role')
        batch_op.drop_column('customer_id')
        batch_op.drop_column('email')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
