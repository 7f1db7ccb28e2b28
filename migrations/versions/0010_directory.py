"""directory sign-in: where an account signs in, its directory id, addresses that are aliases,
and the record of directory syncs

Revision ID: 0010_directory
Revises: 0009_user_locale
Create Date: 2026-12-07 06:40:00

"""
from alembic import op
import sqlalchemy as sa
import dispatch.types


# revision identifiers, used by Alembic.
revision = '0010_directory'
down_revision = '0009_user_locale'
branch_labels = None
depends_on = None


def upgrade():
    # Every existing account keeps its password: they are all local.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_source', sa.String(length=10), nullable=False,
                                      server_default='local'))
        batch_op.add_column(sa.Column('directory_id', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('directory_disabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_user_directory_id'), ['directory_id'])
    op.create_table(
        'email_alias',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_email_alias_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_email_alias')),
        sa.UniqueConstraint('email', name=op.f('uq_email_alias_email')),
    )
    op.create_index(op.f('ix_email_alias_user_id'), 'email_alias', ['user_id'])
    op.create_table(
        'directory_sync',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('finished_at', dispatch.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('deactivated', sa.Integer(), nullable=False),
        sa.Column('reactivated', sa.Integer(), nullable=False),
        sa.Column('problems', sa.JSON(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_sync')),
    )


def downgrade():
    op.drop_table('directory_sync')
    op.drop_index(op.f('ix_email_alias_user_id'), table_name='email_alias')
    op.drop_table('email_alias')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_directory_id'), type_='unique')
        batch_op.drop_column('directory_disabled')
        batch_op.drop_column('directory_id')
        batch_op.drop_column('auth_source')
