"""Indexes in the order lessons learned groups its figures (issue #15): SQLite groups by sorting every row in a
temporary b-tree unless an index already holds the rows in the group's order. At 100,000 incidents (25,748 closed
after remediation, 39,092 of their plans) that sort was most of each figure's time: the remedy chart's plans by
remedy and involvement 16.9 → 3.1 ms, the budget bands 11.1 → 2.4 ms, days to closure 9.9 → 2.6 ms, the review
answers by mineral 13.6 → 3.4 ms. The open lessons actions come in their due dates' order (an open action is
overdue exactly when due before today). PostgreSQL hashes its groups and reads the same indexes when they help.

Revision ID: 0017_grouped_indexes
Revises: 0016_plan_scope
"""
from alembic import op

revision = '0017_grouped_indexes'
down_revision = '0016_plan_scope'
branch_labels = None
depends_on = None

REVIEW_ANSWERS = ['review_objectives_met', 'review_victims_satisfied', 'review_communities_benefited',
                  'review_budget_sufficient']

INDEXES = [
    ('ix_incidents_review_answers', 'incidents', ['status', *REVIEW_ANSWERS, 'reviewed_on']),
    ('ix_incidents_review_mineral', 'incidents', ['status', 'mineral', *REVIEW_ANSWERS, 'reviewed_on']),
    ('ix_incidents_closure_days', 'incidents', ['status', 'closure_days', 'has_level1_plan', 'has_level2_plan']),
    ('ix_plans_closed_remedy', 'plans', ['incident_status', 'remedy_key', 'incident_involvement']),
    ('ix_plans_closed_bands', 'plans', ['incident_status', 'level', 'variance_band']),
    ('ix_lesson_actions_due', 'lesson_actions', ['due_on', 'status']),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
