"""The portfolio's figures read from narrow indexes (issue #15): the pipeline, the ageing and the headline counts
read each incident's status, step, what it waits for since when and its Level 1 requirement, and the table's
default order is the date received within a status; the Level 2 money sums each plan's lines, funding and
spending. Covering indexes give them those columns without reading the whole rows, and the database keeps them in every write's own transaction (exact by construction).

Revision ID: 0013_portfolio_summary
Revises: 0012_state_as_of
"""
from alembic import op

revision = '0013_portfolio_summary'
down_revision = '0012_state_as_of'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_incidents_stage', 'incidents', ['status', 'step', 'owed_by', 'step_entered_on', 'level1'])
    op.create_index('ix_incidents_received', 'incidents', ['status', 'date_received', 'code'])
    # the headline's Level 2 money sums each plan's lines, funding and spending from these alone
    op.create_index('ix_budget_lines_plan_amount', 'budget_lines', ['plan_id', 'amount'])
    op.create_index('ix_funding_plan_money', 'funding', ['plan_id', 'pledged', 'received'])
    op.create_index('ix_expenditures_plan_amount', 'expenditures', ['plan_id', 'amount'])


def downgrade() -> None:
    op.drop_index('ix_expenditures_plan_amount', table_name='expenditures')
    op.drop_index('ix_funding_plan_money', table_name='funding')
    op.drop_index('ix_budget_lines_plan_amount', table_name='budget_lines')
    op.drop_index('ix_incidents_received', table_name='incidents')
    op.drop_index('ix_incidents_stage', table_name='incidents')
