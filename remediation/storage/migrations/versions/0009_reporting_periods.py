"""Reporting periods: a locked period keeps the figures it was published with.

Revision ID: 0009_reporting_periods
Revises: 0008_evidence
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_reporting_periods'
down_revision = '0008_evidence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reporting_periods',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('contributions', sa.JSON(), nullable=False),
    sa.Column('time_frames', sa.JSON(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('locked_by', sa.String(length=200), nullable=False),
    sa.Column('audit_log_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_reporting_periods_end_not_before_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_periods')),
    sa.UniqueConstraint('period_start', 'period_end', name='uq_reporting_periods_start_end')
    )


def downgrade() -> None:
    op.drop_table('reporting_periods')
