"""Follow-ups (chases and escalations of the party that owes what an incident waits for) and the digest e-mails sent.

Revision ID: 0010_followups
Revises: 0009_reporting_periods
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_followups'
down_revision = '0009_reporting_periods'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('followups',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('incident_id', _ID, nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('party', sa.String(length=40), nullable=False),
    sa.Column('asked_on', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('escalation', sa.String(length=40), nullable=False),
    sa.Column('asked', sa.Text(), server_default='', nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answer', sa.Text(), server_default='', nullable=False),
    sa.Column('recorded_by', sa.String(length=200), server_default='', nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
              nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('due_on IS NULL OR due_on >= asked_on', name=op.f('ck_followups_due_after_asked')),
    sa.CheckConstraint('answered_on IS NULL OR answered_on >= asked_on', name=op.f('ck_followups_answer_after_asked')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_followups_incident_id_incidents'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_party'), ['party'], unique=False)
    op.create_table('digests_sent',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('digest_key', sa.String(length=200), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('items', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests_sent')),
    sa.UniqueConstraint('digest_key', 'recipient', name=op.f('uq_digests_sent_key_recipient'))
    )


def downgrade() -> None:
    op.drop_table('digests_sent')
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followups_party'))
        batch_op.drop_index(batch_op.f('ix_followups_incident_id'))
    op.drop_table('followups')
