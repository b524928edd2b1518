"""Settings carry a version, so two admins saving at once get a conflict instead of the last save winning.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('settings') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('settings') as batch:
        batch.drop_column('version')
