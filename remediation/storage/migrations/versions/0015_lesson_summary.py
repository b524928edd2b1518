"""What lessons learned reads of each incident, on its row (issue #15): the closing date, the whole days from the
audit programme's substantiation to it, whether it has a Level 1 and a Level 2 plan, and the day of its lessons
review and its four answers. Written with the record at every write (``records.lesson_summary``); here computed once from the tables
already stored, in SQL that both SQLite and PostgreSQL run. Covering indexes let the page's figures read them and
the closed plans' money without reading whole rows or joining; each plan's variance band (``monitoring.band_of``)
is kept on its row with its summary, so the budget outcome is counted without numeric arithmetic per plan (the
remedy types as text: migration 0016, kept by a trigger).

Revision ID: 0015_lesson_summary
Revises: 0014_plan_summary
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_lesson_summary'
down_revision = '0014_plan_summary'
branch_labels = None
depends_on = None

REVIEW_ITEMS = ('objectives_met', 'victims_satisfied', 'communities_benefited', 'budget_sufficient')
# monitoring.VARIANCE_BANDS as it stands at this revision: (label, bound, strict); the last band holds the rest
BANDS = [("More than 10% under", -10, True), ("1-10% under", -1, True), ("On budget (within 1%)", 1, False),
         ("1-10% over", 10, False), ("10-25% over", 25, False)]
OTHERWISE, NO_BUDGET = "More than 25% over", "No budget recorded"
INCIDENTS_LESSONS = ['status', 'reviewed_on', 'closed_on', 'closure_days', 'has_level1_plan', 'has_level2_plan',
                     *(f'review_{item}' for item in REVIEW_ITEMS), 'involvement', 'mineral', 'id']


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('closure_days', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('has_level1_plan', sa.Boolean(), server_default='0', nullable=False))
        batch.add_column(sa.Column('has_level2_plan', sa.Boolean(), server_default='0', nullable=False))
        batch.add_column(sa.Column('reviewed_on', sa.Date(), nullable=True))
        for item in REVIEW_ITEMS:
            batch.add_column(sa.Column(f'review_{item}', sa.String(10), nullable=True))

    if op.get_bind().dialect.name == 'sqlite':
        days = "CAST(julianday(x.closed_on) - julianday(v.substantiation_decided_on) AS INTEGER)"
    else:
        days = "x.closed_on - v.substantiation_decided_on"  # date - date: whole days

    def has_plan(level: int) -> str:
        return f"EXISTS (SELECT 1 FROM plans p WHERE p.incident_id = incidents.id AND p.level = {level})"

    values = {
        'closed_on': "(SELECT x.closed_on FROM closures x WHERE x.incident_id = incidents.id)",
        'closure_days': f"(SELECT {days} FROM closures x JOIN verifications v ON v.incident_id = x.incident_id "
                        "WHERE x.incident_id = incidents.id)",
        'has_level1_plan': has_plan(1), 'has_level2_plan': has_plan(2),
        **{name: f"(SELECT x.{name.removeprefix('review_')} FROM lessons x WHERE x.incident_id = incidents.id)"
           for name in ('reviewed_on', *(f'review_{item}' for item in REVIEW_ITEMS))},
    }
    op.execute("UPDATE incidents SET " + ", ".join(f"{name} = {value}" for name, value in values.items()))

    with op.batch_alter_table('plans') as batch:
        batch.add_column(sa.Column('variance_band', sa.String(30), server_default='', nullable=False))
    whens = [f"WHEN budget <= 0 THEN '{NO_BUDGET}'"] + [
        f"WHEN spent * 100 {'<' if strict else '<='} budget * {100 + bound} THEN '{label}'" for label, bound, strict in BANDS]
    op.execute(f"UPDATE plans SET variance_band = CASE {' '.join(whens)} ELSE '{OTHERWISE}' END")
    op.create_index('ix_incidents_lessons', 'incidents', INCIDENTS_LESSONS)
    op.create_index('ix_incidents_reviewed', 'incidents', ['status', 'reviewed_on', 'code'])
    op.create_index('ix_plans_money', 'plans', ['incident_id', 'level', 'currency', 'budget', 'spent', 'variance_band'])


def downgrade() -> None:
    op.drop_index('ix_plans_money', table_name='plans')
    op.drop_index('ix_incidents_reviewed', table_name='incidents')
    op.drop_index('ix_incidents_lessons', table_name='incidents')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch rebuild: on SQLite a rebuild drops the old table, and with
    # foreign keys enforced that deleted every row below it on the way (plans, case plans, lessons…)
    op.execute('ALTER TABLE plans DROP COLUMN variance_band')
    for name in (*(f'review_{item}' for item in reversed(REVIEW_ITEMS)), 'reviewed_on', 'has_level2_plan',
                 'has_level1_plan', 'closure_days', 'closed_on'):
        op.execute(f'ALTER TABLE incidents DROP COLUMN {name}')
