"""The company's own work (issue #13, items 3-7): corrective action with a status and milestones, relationship
decisions with a do-no-harm check, the reporting chain of monitoring reports, stakeholders consulted and aggregate
feedback per plan, informed consent and the victim's wishes per case plan, remedy types per plan, the company's
involvement per incident, and the action items a lessons review raises.

Revision ID: 0011_company_work
Revises: 0010_followups
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_company_work'
down_revision = '0010_followups'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('involvement', sa.String(length=20), nullable=True))
        batch.create_index(batch.f('ix_incidents_involvement'), ['involvement'], unique=False)
    with op.batch_alter_table('responses') as batch:
        batch.add_column(sa.Column('corrective_status', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('corrective_completed_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('corrective_verified_on', sa.Date(), nullable=True))
    with op.batch_alter_table('plans') as batch:
        batch.add_column(sa.Column('remedy_types', sa.JSON(), nullable=True))
    with op.batch_alter_table('case_plans') as batch:
        batch.add_column(sa.Column('informed_consent', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('wishes_shaped_plan', sa.Boolean(), nullable=True))
    with op.batch_alter_table('monitoring_reports') as batch:
        batch.add_column(sa.Column('sent_to_smelter_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('sent_to_audit_programme_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('sent_to_company_on', sa.Date(), nullable=True))

    op.create_table('corrective_milestones',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('incident_id', ID, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                            name=op.f('fk_corrective_milestones_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_milestones'))
    )
    op.create_table('relationship_decisions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('incident_id', ID, nullable=False),
    sa.Column('party', sa.String(length=20), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('do_no_harm_checked_on', sa.Date(), nullable=True),
    sa.Column('do_no_harm_findings', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("party IN ('mine_operator', 'smelter_refiner')",
                       name=op.f('ck_relationship_decisions_party_known')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                            name=op.f('fk_relationship_decisions_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relationship_decisions'))
    )
    op.create_table('plan_consultations',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('plan_id', ID, nullable=False),
    sa.Column('stakeholder', sa.String(length=30), nullable=False),
    sa.Column('consulted_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_consultations_plan_id_plans'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_consultations'))
    )
    op.create_table('plan_feedback',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('plan_id', ID, nullable=False),
    sa.Column('collected_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint('satisfied >= 0 AND satisfied <= respondents',
                       name=op.f('ck_plan_feedback_satisfied_within_respondents')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_feedback_plan_id_plans'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_feedback'))
    )
    op.create_table('lesson_actions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('incident_id', ID, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('policy_version', sa.Integer(), nullable=True),
    sa.Column('due_diligence_change', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_lesson_actions_incident_id_incidents'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_actions'))
    )
    for table, column in (('corrective_milestones', 'incident_id'), ('relationship_decisions', 'incident_id'),
                          ('plan_consultations', 'plan_id'), ('plan_feedback', 'plan_id'),
                          ('lesson_actions', 'incident_id')):
        with op.batch_alter_table(table) as batch:
            batch.create_index(batch.f(f'ix_{table}_{column}'), [column], unique=False)


def downgrade() -> None:
    for table in ('lesson_actions', 'plan_feedback', 'plan_consultations', 'relationship_decisions',
                  'corrective_milestones'):
        op.drop_table(table)
    with op.batch_alter_table('monitoring_reports') as batch:
        batch.drop_column('sent_to_company_on')
        batch.drop_column('sent_to_audit_programme_on')
        batch.drop_column('sent_to_smelter_on')
    with op.batch_alter_table('case_plans') as batch:
        batch.drop_column('wishes_shaped_plan')
        batch.drop_column('informed_consent')
    with op.batch_alter_table('plans') as batch:
        batch.drop_column('remedy_types')
    with op.batch_alter_table('responses') as batch:
        batch.drop_column('corrective_verified_on')
        batch.drop_column('corrective_completed_on')
        batch.drop_column('corrective_status')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_index(batch.f('ix_incidents_involvement'))
        batch.drop_column('involvement')
