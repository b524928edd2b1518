"""The day each incident's derived workflow state was evaluated for (``incidents.state_as_of``): Step 4's overdue
reports depend on the day, so the state is refreshed for open Step 4 incidents whose state is older than today
(remediation.services.waiting). Existing rows start empty: the next refresh evaluates them.

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


def downgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('state_as_of')
