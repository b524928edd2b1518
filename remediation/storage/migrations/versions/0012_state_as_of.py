"""The day each incident's derived workflow state was evaluated for (``incidents.state_as_of``) and the first day it
may change by the date alone (``state_until``): Step 4's overdue reports depend on the day, so the state is
refreshed for open Step 4 incidents whose state may have changed since (remediation.services.waiting). Existing rows
start empty: the next refresh evaluates them.

Revision ID: 0012_state_as_of
Revises: 0011_company_work
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_state_as_of'
down_revision = '0011_company_work'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('state_as_of', sa.Date(), nullable=True))
        batch.add_column(sa.Column('state_until', sa.Date(), nullable=True))
        batch.create_index(batch.f('ix_incidents_state_until'), ['state_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.drop_index(batch.f('ix_incidents_state_until'))
        batch.drop_column('state_until')
        batch.drop_column('state_as_of')
