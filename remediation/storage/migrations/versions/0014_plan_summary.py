"""Each plan's summary on its row (issue #15): budget (the larger of the estimate and the budget lines), pledged and
received (in all and per funding source), spent, planned end (the latest initiative due date) and monitoring
reports received. Written with the plan at every write (``records.plan_summary``); here computed once from the
children already stored, in SQL that both SQLite and PostgreSQL run.

Revision ID: 0014_plan_summary
Revises: 0013_portfolio_summary
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_plan_summary'
down_revision = '0013_portfolio_summary'
branch_labels = None
depends_on = None

SOURCES = ('smelter_refiner', 'downstream_company', 'audit_programme_partners', 'government', 'development_partners')
MONEY = sa.Numeric(precision=14, scale=2)
MONEY_COLUMNS = ['budget', 'pledged', 'received', *(f'{kind}_{s}' for kind in ('pledged', 'received') for s in SOURCES),
                 'spent']


def upgrade() -> None:
    with op.batch_alter_table('plans') as batch:
        for name in MONEY_COLUMNS:
            batch.add_column(sa.Column(name, MONEY, server_default='0', nullable=False))
        batch.add_column(sa.Column('planned_end', sa.Date(), nullable=True))
        batch.add_column(sa.Column('reports', sa.Integer(), server_default='0', nullable=False))

    def total(table: str, column: str, where: str = '') -> str:
        return f"COALESCE((SELECT SUM(x.{column}) FROM {table} x WHERE x.plan_id = plans.id{where}), 0)"

    lines = total('budget_lines', 'amount')
    values = {
        'budget': f"CASE WHEN {lines} > estimated_cost THEN {lines} ELSE estimated_cost END",
        'pledged': total('funding', 'pledged'), 'received': total('funding', 'received'),
        **{f'{kind}_{s}': total('funding', kind, f" AND x.source = '{s}'") for kind in ('pledged', 'received')
           for s in SOURCES},
        'spent': total('expenditures', 'amount'),
        'planned_end': "(SELECT MAX(x.due_date) FROM initiatives x WHERE x.plan_id = plans.id)",
        'reports': "(SELECT COUNT(*) FROM monitoring_reports x WHERE x.plan_id = plans.id)",
    }
    op.execute("UPDATE plans SET " + ", ".join(f"{name} = {value}" for name, value in values.items()))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch rebuild: on SQLite a rebuild drops the old table, and with
    # foreign keys enforced that deleted every row below it on the way (plans, case plans, lessons…)
    for name in ['reports', 'planned_end', *reversed(MONEY_COLUMNS)]:
        op.execute(f'ALTER TABLE plans DROP COLUMN {name}')
