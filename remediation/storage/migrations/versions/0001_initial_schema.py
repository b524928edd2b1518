"""Initial schema: incidents, the records of each of the six steps, policy versions, audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 23:24:39.915696
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('mineral', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=200), nullable=False),
    sa.Column('site', sa.String(length=200), server_default='', nullable=False),
    sa.Column('smelter_refiner', sa.String(length=200), nullable=False),
    sa.Column('audit_programme', sa.String(length=20), nullable=False),
    sa.Column('allegation_source', sa.String(length=200), nullable=False),
    sa.Column('date_received', sa.Date(), nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('became_public_date', sa.Date(), nullable=True),
    sa.Column('affected_persons', sa.Integer(), nullable=False),
    sa.Column('children_affected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('repeated', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('trading_link', sa.String(length=10), server_default='none', nullable=False),
    sa.Column('stopped_trading_date', sa.Date(), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('step_entered_on', sa.Date(), nullable=False),
    sa.Column('waiting_for', sa.Text(), server_default='', nullable=False),
    sa.Column('owed_by', sa.String(length=40), nullable=True),
    sa.Column('warnings', sa.Integer(), server_default='0', nullable=False),
    sa.Column('scenario', sa.String(length=30), nullable=True),
    sa.Column('level1', sa.String(length=20), nullable=True),
    sa.Column('level2', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('affected_persons >= 1', name=op.f('ck_incidents_affected_positive')),
    sa.CheckConstraint('children_affected <= affected_persons', name=op.f('ck_incidents_children_within_affected')),
    sa.CheckConstraint('step BETWEEN 1 AND 6', name=op.f('ck_incidents_step_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('code', name=op.f('uq_incidents_code'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_audit_programme'), ['audit_programme'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_date_received'), ['date_received'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_level1'), ['level1'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_mineral'), ['mineral'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_smelter_refiner'), ['smelter_refiner'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)
        batch_op.create_index('ix_incidents_status_step', ['status', 'step'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_step'), ['step'], unique=False)

    op.create_table('policy_versions',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('adopted_on', sa.Date(), nullable=True),
    sa.Column('adopted_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_policy_versions'))
    )
    op.create_table('assessments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('scenario', sa.String(length=30), nullable=False),
    sa.Column('level1', sa.String(length=20), nullable=False),
    sa.Column('level2', sa.String(length=20), nullable=False),
    sa.Column('severe', sa.Boolean(), nullable=False),
    sa.Column('recent', sa.Boolean(), nullable=True),
    sa.Column('treated_as_current', sa.Boolean(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_assessments_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['policy_version'], ['policy_versions.version'], name=op.f('fk_assessments_policy_version_policy_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_incident_id'), ['incident_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=True),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('incident_code', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_audit_log_incident_id_incidents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_incident_code'), ['incident_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_incident_id'), ['incident_id'], unique=False)

    op.create_table('closures',
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('verified_by_audit_programme_on', sa.Date(), nullable=True),
    sa.Column('closure_report_on', sa.Date(), nullable=True),
    sa.Column('recommend_close', sa.Boolean(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_closures_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_closures'))
    )
    op.create_table('incident_violations',
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('violation_type', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_violations_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'violation_type', name=op.f('pk_incident_violations'))
    )
    op.create_table('lesson_tags',
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_lesson_tags_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'tag', name=op.f('pk_lesson_tags'))
    )
    op.create_table('lessons',
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('objectives_met', sa.String(length=10), nullable=False),
    sa.Column('victims_satisfied', sa.String(length=10), nullable=False),
    sa.Column('communities_benefited', sa.String(length=10), nullable=False),
    sa.Column('budget_sufficient', sa.String(length=10), nullable=False),
    sa.Column('challenges', sa.Text(), server_default='', nullable=False),
    sa.Column('risks_and_mitigations', sa.Text(), server_default='', nullable=False),
    sa.Column('monitoring_tools', sa.Text(), server_default='', nullable=False),
    sa.Column('communication_channels', sa.Text(), server_default='', nullable=False),
    sa.Column('recommendations', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_lessons_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_lessons'))
    )
    op.create_table('plans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('facilitator', sa.String(length=200), nullable=False),
    sa.Column('facilitator_type', sa.String(length=40), nullable=False),
    sa.Column('victim_service_coordinator', sa.String(length=200), server_default='', nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('estimated_cost', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('designed_on', sa.Date(), nullable=False),
    sa.Column('submitted_by_facilitator_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_smelter_on', sa.Date(), nullable=True),
    sa.Column('approved_by_audit_programme_on', sa.Date(), nullable=True),
    sa.Column('implementation_started_on', sa.Date(), nullable=True),
    sa.Column('final_report_on', sa.Date(), nullable=True),
    sa.Column('financial_report_on', sa.Date(), nullable=True),
    sa.Column('referral_confirmed_on', sa.Date(), nullable=True),
    sa.Column('assistance_summary', sa.Text(), server_default='', nullable=False),
    sa.Column('monitoring_summary', sa.Text(), server_default='', nullable=False),
    sa.Column('outcomes_verified', sa.Boolean(), nullable=True),
    sa.Column('completed_on_time', sa.Boolean(), nullable=True),
    sa.Column('within_budget', sa.Boolean(), nullable=True),
    sa.Column('objectives_met', sa.Boolean(), nullable=True),
    sa.Column('monitoring_documented', sa.Boolean(), nullable=True),
    sa.CheckConstraint('estimated_cost >= 0', name=op.f('ck_plans_cost_not_negative')),
    sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_plans_level_1_or_2')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_plans_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('incident_id', 'level', name='uq_plans_incident_level')
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_incident_id'), ['incident_id'], unique=False)

    op.create_table('responses',
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('corrective_action', sa.Text(), nullable=True),
    sa.Column('relationship_terminated', sa.Boolean(), nullable=True),
    sa.Column('corrective_decided_on', sa.Date(), nullable=True),
    sa.Column('smelter_notified_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_responses_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_responses'))
    )
    op.create_table('verifications',
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('credible', sa.Boolean(), nullable=True),
    sa.Column('credibility_decided_on', sa.Date(), nullable=True),
    sa.Column('credibility_notes', sa.Text(), server_default='', nullable=False),
    sa.Column('actionable', sa.Boolean(), nullable=True),
    sa.Column('actionability_decided_on', sa.Date(), nullable=True),
    sa.Column('actionability_notes', sa.Text(), server_default='', nullable=False),
    sa.Column('audit_programme_notified_on', sa.Date(), nullable=True),
    sa.Column('substantiated', sa.Boolean(), nullable=True),
    sa.Column('substantiation_decided_on', sa.Date(), nullable=True),
    sa.Column('substantiation_notes', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_verifications_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_verifications'))
    )
    op.create_table('budget_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_budget_lines_amount_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_budget_lines_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_lines'))
    )
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_lines_plan_id'), ['plan_id'], unique=False)

    op.create_table('case_plans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('victim_code', sa.String(length=12), nullable=False),
    sa.Column('age_group', sa.String(length=10), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('referral_date', sa.Date(), nullable=True),
    sa.Column('guardian_consent', sa.Boolean(), nullable=True),
    sa.Column('assistance_types', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_case_plans_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_plans')),
    sa.UniqueConstraint('plan_id', 'victim_code', name='uq_case_plans_plan_victim')
    )
    with op.batch_alter_table('case_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_plans_plan_id'), ['plan_id'], unique=False)

    op.create_table('expenditures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_expenditures_amount_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_expenditures_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expenditures'))
    )
    with op.batch_alter_table('expenditures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expenditures_plan_id'), ['plan_id'], unique=False)

    op.create_table('funding',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('funder', sa.String(length=200), nullable=False),
    sa.Column('pledged', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('received', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('pledged_on', sa.Date(), nullable=False),
    sa.CheckConstraint('pledged >= 0 AND received >= 0', name=op.f('ck_funding_money_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_funding_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding'))
    )
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funding_plan_id'), ['plan_id'], unique=False)

    op.create_table('initiatives',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('expected_result', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_initiatives_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_plan_id'), ['plan_id'], unique=False)

    op.create_table('monitoring_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_monitoring_reports_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_reports'))
    )
    with op.batch_alter_table('monitoring_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_reports_plan_id'), ['plan_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('initiative_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=60), server_default='', nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=True),
    sa.Column('baseline_date', sa.Date(), nullable=False),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_indicators_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('measurements',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('indicator_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('narrative', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_measurements_indicator_id_indicators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurements_indicator_id'), ['indicator_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurements_indicator_id'))

    op.drop_table('measurements')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_initiative_id'))

    op.drop_table('indicators')
    with op.batch_alter_table('monitoring_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_reports_plan_id'))

    op.drop_table('monitoring_reports')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_plan_id'))

    op.drop_table('initiatives')
    with op.batch_alter_table('funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funding_plan_id'))

    op.drop_table('funding')
    with op.batch_alter_table('expenditures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expenditures_plan_id'))

    op.drop_table('expenditures')
    with op.batch_alter_table('case_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_plans_plan_id'))

    op.drop_table('case_plans')
    with op.batch_alter_table('budget_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_lines_plan_id'))

    op.drop_table('budget_lines')
    op.drop_table('verifications')
    op.drop_table('responses')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_incident_id'))

    op.drop_table('plans')
    op.drop_table('lessons')
    op.drop_table('lesson_tags')
    op.drop_table('incident_violations')
    op.drop_table('closures')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_incident_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_incident_code'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_incident_id'))

    op.drop_table('assessments')
    op.drop_table('policy_versions')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_step'))
        batch_op.drop_index('ix_incidents_status_step')
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_smelter_refiner'))
        batch_op.drop_index(batch_op.f('ix_incidents_mineral'))
        batch_op.drop_index(batch_op.f('ix_incidents_level1'))
        batch_op.drop_index(batch_op.f('ix_incidents_date_received'))
        batch_op.drop_index(batch_op.f('ix_incidents_country'))
        batch_op.drop_index(batch_op.f('ix_incidents_audit_programme'))

    op.drop_table('incidents')
