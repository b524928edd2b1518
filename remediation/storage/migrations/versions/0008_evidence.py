"""Evidence documents: files attached to an incident and the fact they support, stored in the database.

Revision ID: 0008_evidence
Revises: 0007_record_rules
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_evidence'
down_revision = '0007_record_rules'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_type', sa.String(length=10), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('uploaded_by', sa.String(length=200), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sa.String(length=200), nullable=True),
    sa.Column('removal_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('level IS NULL OR level IN (1, 2)', name=op.f('ck_documents_level_1_or_2')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_documents_size_not_negative')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_documents_incident_id_incidents'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_incident_sha256', ['incident_id', 'sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_incident_id'))
        batch_op.drop_index('ix_documents_incident_sha256')
    op.drop_table('documents')
