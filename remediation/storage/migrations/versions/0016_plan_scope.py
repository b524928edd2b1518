"""Each plan carries its incident's status and involvement, its number of case plans and its remedy types as text
(issue #15), kept by the database itself: triggers copy the incident's status and involvement onto its plans when a
plan is written and whenever the incident's change, count case plans as they are inserted or deleted, and copy the
remedy list, in the writing statement's own transaction, whichever code writes. The portfolio's headline (victims assisted, Level 2 money) and the remedy chart
then read the plans alone, without joining every plan to its incident and every case plan to its plan (59-85 ms,
46-77 ms and 35-56 ms on PostgreSQL at 100,000 incidents); the portfolio table's default order (newest received
first) reads an index instead of sorting every incident.

A later migration that rebuilds ``plans``, ``incidents`` or ``case_plans`` on SQLite (``batch_alter_table`` with a
table copy) drops their triggers and must create them again: ``tests/db/test_plan_scope.py`` checks they exist.

Revision ID: 0016_plan_scope
Revises: 0015_lesson_summary
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_plan_scope'
down_revision = '0015_lesson_summary'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER plans_scope_insert AFTER INSERT ON plans BEGIN
         UPDATE plans SET incident_status = (SELECT status FROM incidents WHERE id = NEW.incident_id),
                          incident_involvement = (SELECT involvement FROM incidents WHERE id = NEW.incident_id),
                          case_plan_count = (SELECT COUNT(*) FROM case_plans WHERE plan_id = NEW.id),
                          remedy_key = CAST(NEW.remedy_types AS TEXT)
         WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER plans_remedy_key AFTER UPDATE OF remedy_types ON plans BEGIN
         UPDATE plans SET remedy_key = CAST(NEW.remedy_types AS TEXT) WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER plans_scope_move AFTER UPDATE OF incident_id ON plans BEGIN
         UPDATE plans SET incident_status = (SELECT status FROM incidents WHERE id = NEW.incident_id),
                          incident_involvement = (SELECT involvement FROM incidents WHERE id = NEW.incident_id)
         WHERE id = NEW.id;
       END""",
    """CREATE TRIGGER plans_scope_follow AFTER UPDATE OF status, involvement ON incidents BEGIN
         UPDATE plans SET incident_status = NEW.status, incident_involvement = NEW.involvement WHERE incident_id = NEW.id;
       END""",
    """CREATE TRIGGER case_plans_count_insert AFTER INSERT ON case_plans BEGIN
         UPDATE plans SET case_plan_count = case_plan_count + 1 WHERE id = NEW.plan_id;
       END""",
    """CREATE TRIGGER case_plans_count_delete AFTER DELETE ON case_plans BEGIN
         UPDATE plans SET case_plan_count = case_plan_count - 1 WHERE id = OLD.plan_id;
       END""",
    """CREATE TRIGGER case_plans_count_move AFTER UPDATE OF plan_id ON case_plans BEGIN
         UPDATE plans SET case_plan_count = case_plan_count - 1 WHERE id = OLD.plan_id;
         UPDATE plans SET case_plan_count = case_plan_count + 1 WHERE id = NEW.plan_id;
       END""",
]
SQLITE_NAMES = ['plans_scope_insert', 'plans_remedy_key', 'plans_scope_move', 'plans_scope_follow', 'case_plans_count_insert',
                'case_plans_count_delete', 'case_plans_count_move']

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION plans_scope_set() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         SELECT status, involvement INTO NEW.incident_status, NEW.incident_involvement
           FROM incidents WHERE id = NEW.incident_id;
         NEW.remedy_key := NEW.remedy_types::text;
         IF TG_OP = 'INSERT' THEN  -- whatever count the writer gave: the case plans stored (none, for a new id)
           SELECT COUNT(*) INTO NEW.case_plan_count FROM case_plans WHERE plan_id = NEW.id;
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER plans_scope_set BEFORE INSERT OR UPDATE OF incident_id, remedy_types ON plans
       FOR EACH ROW EXECUTE FUNCTION plans_scope_set()""",
    """CREATE FUNCTION plans_scope_follow() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE plans SET incident_status = NEW.status, incident_involvement = NEW.involvement WHERE incident_id = NEW.id;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER plans_scope_follow AFTER UPDATE OF status, involvement ON incidents
       FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.involvement IS DISTINCT FROM NEW.involvement)
       EXECUTE FUNCTION plans_scope_follow()""",
    # Case plans counted per statement, from its transition tables: a statement inserting a plan's case plans updates
    # the plan once, not once per case plan (a row per update: the bulk load of 200,000 case plans left the plans
    # table four times its size).
    """CREATE FUNCTION case_plans_added() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE plans SET case_plan_count = case_plan_count + x.n
           FROM (SELECT plan_id, COUNT(*) AS n FROM added GROUP BY plan_id) x WHERE plans.id = x.plan_id;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_plans_added AFTER INSERT ON case_plans REFERENCING NEW TABLE AS added
       FOR EACH STATEMENT EXECUTE FUNCTION case_plans_added()""",
    """CREATE FUNCTION case_plans_removed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE plans SET case_plan_count = case_plan_count - x.n
           FROM (SELECT plan_id, COUNT(*) AS n FROM removed GROUP BY plan_id) x WHERE plans.id = x.plan_id;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER case_plans_removed AFTER DELETE ON case_plans REFERENCING OLD TABLE AS removed
       FOR EACH STATEMENT EXECUTE FUNCTION case_plans_removed()""",
    """CREATE FUNCTION case_plans_moved() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE plans SET case_plan_count = case_plan_count + x.n
           FROM (SELECT plan_id, SUM(d) AS n FROM (
                   SELECT b.plan_id, -1 AS d FROM before_rows b JOIN after_rows a ON a.id = b.id WHERE a.plan_id <> b.plan_id
                   UNION ALL
                   SELECT a.plan_id, 1 FROM before_rows b JOIN after_rows a ON a.id = b.id WHERE a.plan_id <> b.plan_id
                 ) moves GROUP BY plan_id) x
           WHERE plans.id = x.plan_id;
         RETURN NULL;
       END $$""",
    # (a trigger with transition tables takes no column list: every UPDATE statement runs it; one that moves no case
    # plan to another plan changes nothing)
    """CREATE TRIGGER case_plans_moved AFTER UPDATE ON case_plans
       REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
       FOR EACH STATEMENT EXECUTE FUNCTION case_plans_moved()""",
]


def create_triggers() -> None:
    """The triggers of this revision, for the connection's dialect (a later rebuild of a table calls this again)."""
    for statement in (POSTGRES_TRIGGERS if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS):
        op.execute(statement)


def drop_triggers() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in ('case_plans_added', 'case_plans_removed', 'case_plans_moved'):
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON case_plans')
        op.execute('DROP TRIGGER IF EXISTS plans_scope_follow ON incidents')
        op.execute('DROP TRIGGER IF EXISTS plans_scope_set ON plans')
        for function in ('case_plans_added', 'case_plans_removed', 'case_plans_moved', 'plans_scope_follow',
                         'plans_scope_set'):
            op.execute(f'DROP FUNCTION IF EXISTS {function}()')
    else:
        for name in SQLITE_NAMES:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')


def upgrade() -> None:
    op.add_column('plans', sa.Column('incident_status', sa.String(30), nullable=True))
    op.add_column('plans', sa.Column('incident_involvement', sa.String(20), nullable=True))
    op.add_column('plans', sa.Column('case_plan_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('plans', sa.Column('remedy_key', sa.Text(), nullable=True))
    op.execute("UPDATE plans SET incident_status = (SELECT status FROM incidents WHERE incidents.id = plans.incident_id), "
               "incident_involvement = (SELECT involvement FROM incidents WHERE incidents.id = plans.incident_id), "
               "case_plan_count = (SELECT COUNT(*) FROM case_plans WHERE case_plans.plan_id = plans.id), "
               "remedy_key = CAST(remedy_types AS TEXT)")
    create_triggers()
    # victims assisted (Level 1, implementation started, open incident), the Level 1 monitoring windows and Level 2
    # money, from the index alone
    op.create_index('ix_plans_scope_victims', 'plans',
                    ['level', 'incident_status', 'implementation_started_on', 'final_report_on', 'case_plan_count'])
    op.create_index('ix_plans_scope_money', 'plans',
                    ['level', 'incident_status', 'currency', 'budget', 'pledged', 'received', 'spent'])
    # remedy by involvement: the stored list as text (a JSON column has no b-tree order on PostgreSQL), per involvement
    op.create_index('ix_plans_scope_remedy', 'plans', ['remedy_key', 'incident_involvement', 'incident_status'])
    # lessons learned's budget outcome and remedies: the closed plans' money, bands and remedy lists
    op.create_index('ix_plans_scope_closed', 'plans', ['incident_status', 'level', 'currency', 'budget', 'spent',
                                                       'variance_band', 'remedy_key', 'incident_involvement'])
    # the portfolio table's default order over every status: newest received first, then by code
    op.create_index('ix_incidents_received_code', 'incidents', ['date_received', 'code'])


def downgrade() -> None:
    op.drop_index('ix_incidents_received_code', table_name='incidents')
    op.drop_index('ix_plans_scope_closed', table_name='plans')
    op.drop_index('ix_plans_scope_remedy', table_name='plans')
    op.drop_index('ix_plans_scope_money', table_name='plans')
    op.drop_index('ix_plans_scope_victims', table_name='plans')
    drop_triggers()
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a batch rebuild: on SQLite a rebuild drops the old table, and with
    # foreign keys enforced that deletes every plan's case plans, budget lines and the rest on the way
    for name in ('remedy_key', 'case_plan_count', 'incident_involvement', 'incident_status'):
        op.execute(f'ALTER TABLE plans DROP COLUMN {name}')
