"""A file's change time and inode beside its size and modification time.

A same-size rewrite whose modification time was put back (a sync tool, `touch -r`,
an editor that keeps times) looks unchanged by size and mtime alone; its change
time (which no user call can set) and often its inode do not. Both are NULL for
rows written before this revision: the next scan fills them in without indexing again.

Revision ID: 0006_file_identity
Revises: 0005_manage
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_file_identity"
down_revision = "0005_manage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("ctime_ns", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("inode", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_column("inode")
        batch.drop_column("ctime_ns")
