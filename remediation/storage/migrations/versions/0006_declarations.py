"""Suppliers' smelter declarations (CMRT/EMRT workbooks), the smelter register, and an incident's link to it.

Revision ID: 0006_declarations
Revises: 0004
Create Date: 2026-12-01 16:17:04.374566
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_declarations'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('smelters',
    sa.Column('smelter_id', sa.String(length=9), nullable=False),
    sa.Column('metal', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=200), server_default='', nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_by', sa.String(length=200), server_default='', nullable=False),
    sa.CheckConstraint("source IN ('declarations', 'entered')", name=op.f('ck_smelters_source_known')),
    sa.PrimaryKeyConstraint('smelter_id', name=op.f('pk_smelters'))
    )
    with op.batch_alter_table('smelters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_smelters_name_key'), ['name_key'], unique=False)

    op.create_table('suppliers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('unique_id', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('name_key', name=op.f('uq_suppliers_name_key'))
    )
    op.create_table('declarations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('supplier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('template', sa.String(length=4), nullable=False),
    sa.Column('version', sa.String(length=10), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('scope_description', sa.Text(), server_default='', nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('is_current', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('smelter_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('product_rows', sa.Integer(), server_default='0', nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint("scope IN ('company', 'product', 'user_defined')", name=op.f('ck_declarations_scope_known')),
    sa.CheckConstraint("template IN ('CMRT', 'EMRT')", name=op.f('ck_declarations_template_known')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_declarations_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declarations')),
    sa.UniqueConstraint('sha256', name=op.f('uq_declarations_sha256'))
    )
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declarations_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index('ix_declarations_supplier_template', ['supplier_id', 'template', 'effective_date'], unique=False)

    op.create_table('declaration_products',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('declaration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('requester_number', sa.String(length=200), server_default='', nullable=False),
    sa.Column('requester_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_products_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_products'))
    )
    with op.batch_alter_table('declaration_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_products_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_products_product'), ['product'], unique=False)

    op.create_table('declaration_smelters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('declaration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('metal', sa.String(length=20), nullable=False),
    sa.Column('smelter_id', sa.String(length=9), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=200), server_default='', nullable=False),
    sa.Column('listing', sa.String(length=20), nullable=False),
    sa.Column('id_source', sa.String(length=200), server_default='', nullable=False),
    sa.Column('mine_names', sa.Text(), server_default='', nullable=False),
    sa.Column('mine_countries', sa.Text(), server_default='', nullable=False),
    sa.Column('recycled', sa.String(length=40), server_default='', nullable=False),
    sa.CheckConstraint("listing IN ('listed', 'not_listed', 'not_yet_identified')", name=op.f('ck_declaration_smelters_listing_known')),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_smelters_declaration_id_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_smelters'))
    )
    with op.batch_alter_table('declaration_smelters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_smelters_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_smelters_name_key'), ['name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_smelters_smelter_id'), ['smelter_id'], unique=False)

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('smelter_id', sa.String(length=9), nullable=True))
        batch_op.create_index(batch_op.f('ix_incidents_smelter_id'), ['smelter_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_smelter_id'))
        batch_op.drop_column('smelter_id')

    with op.batch_alter_table('declaration_smelters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_smelters_smelter_id'))
        batch_op.drop_index(batch_op.f('ix_declaration_smelters_name_key'))
        batch_op.drop_index(batch_op.f('ix_declaration_smelters_declaration_id'))

    op.drop_table('declaration_smelters')
    with op.batch_alter_table('declaration_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_products_product'))
        batch_op.drop_index(batch_op.f('ix_declaration_products_declaration_id'))

    op.drop_table('declaration_products')
    with op.batch_alter_table('declarations', schema=None) as batch_op:
        batch_op.drop_index('ix_declarations_supplier_template')
        batch_op.drop_index(batch_op.f('ix_declarations_supplier_id'))

    op.drop_table('declarations')
    op.drop_table('suppliers')
    with op.batch_alter_table('smelters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_smelters_name_key'))

    op.drop_table('smelters')
