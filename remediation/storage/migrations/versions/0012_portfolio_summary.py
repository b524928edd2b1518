"""The portfolio's figures read from narrow indexes (issue #15): the pipeline, the ageing and the headline counts
read each incident's status, step, what it waits for since when and its Level 1 requirement, and the table's
default order is the date received within a status. Two covering indexes give them those columns without reading
the whole row, and the database keeps them in every write's own transaction (exact by construction).

Revision ID: 0012_portfolio_summary
Revises: 0011_company_work
"""
from alembic import op

revision = '0012_portfolio_summary'
down_revision = '0011_company_work'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_incidents_stage', 'incidents', ['status', 'step', 'owed_by', 'step_entered_on', 'level1'])
    op.create_index('ix_incidents_received', 'incidents', ['status', 'date_received', 'code'])


def downgrade() -> None:
    op.drop_index('ix_incidents_received', table_name='incidents')
    op.drop_index('ix_incidents_stage', table_name='incidents')
