"""A record that can be defended (issue #12): a child's best-interest determination and the child-protection
organisation involved, a Level 1 plan's recorded reason for a coverage shortfall, and the explanation where a
Level 2 plan's declared closure answers disagree with its figures, and that disagreement kept on the incident row
for the portfolio (``closure_flag``).

Revision ID: 0007_record_rules
Revises: 0006_declarations
Create Date: 2026-12-01 19:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_record_rules'
down_revision = '0006_declarations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('closure_flag', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('case_plans') as batch:
        batch.add_column(sa.Column('best_interest_determined_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('best_interest_determined_by', sa.String(length=200), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('child_protection_organisation', sa.String(length=200), server_default='',
                                   nullable=False))
    with op.batch_alter_table('plans') as batch:
        batch.add_column(sa.Column('coverage_shortfall_reason', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('coverage_shortfall_note', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('figures_explanation', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('plans') as batch:
        batch.drop_column('figures_explanation')
        batch.drop_column('coverage_shortfall_note')
        batch.drop_column('coverage_shortfall_reason')
    with op.batch_alter_table('case_plans') as batch:
        batch.drop_column('child_protection_organisation')
        batch.drop_column('best_interest_determined_by')
        batch.drop_column('best_interest_determined_on')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('closure_flag')
