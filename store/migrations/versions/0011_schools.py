"""schools (from the roster's sekolah column) and their members (a pengawas covers several)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:20:00
"""
from alembic import op
import sqlalchemy as sa

from store.models import UtcDateTime


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'schools',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('npsn', sa.String(length=16), nullable=True),
        sa.Column('district', sa.String(length=200), nullable=True),
        sa.Column('fsp_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['fsp_id'], ['people.id'], name=op.f('fk_schools_fsp_id_people'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
        sa.UniqueConstraint('npsn', name=op.f('uq_schools_npsn')),
        sa.UniqueConstraint('name', 'district', name=op.f('uq_schools_name_district')),
    )
    op.create_index(op.f('ix_schools_fsp_id'), 'schools', ['fsp_id'], unique=False)
    op.create_table(
        'school_members',
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_members_school_id_schools'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_school_members_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('school_id', 'person_id', name=op.f('pk_school_members')),
    )
    op.create_index(op.f('ix_school_members_person_id'), 'school_members', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_school_members_person_id'), table_name='school_members')
    op.drop_table('school_members')
    op.drop_index(op.f('ix_schools_fsp_id'), table_name='schools')
    op.drop_table('schools')
