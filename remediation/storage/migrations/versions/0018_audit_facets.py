"""Each audit entry may say which facets of the incident records its write changed (issue #15): the stage, the plans,
the company's involvement (``remediation.storage.versions.FACETS``), comma-separated, "" for none. The whole
portfolio's figures key their caches on those facets' versions, so a write that changes none of them (a smelter
linked, a title corrected) leaves them warm. NULL, as every entry before this one has, means every facet.

Revision ID: 0018_audit_facets
Revises: 0017_grouped_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_audit_facets'
down_revision = '0017_grouped_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('facets', sa.String(length=60), nullable=True))


def downgrade() -> None:
    # in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35+), as 0014-0016: no batch rebuild of the table
    op.execute('ALTER TABLE audit_log DROP COLUMN facets')
