"""Initial catalog: roots, files, items, models, vectors, embedded, removed_items, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    op.create_table(
        "files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("root_id", sa.Integer, sa.ForeignKey("roots.id", ondelete="CASCADE"), nullable=False),
        sa.Column("path", sa.LargeBinary, nullable=False, unique=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("format", sa.String(16)),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("camera_make", sa.String(64)),
        sa.Column("camera_model", sa.String(64)),
        sa.Column("gps_lat", sa.Float),
        sa.Column("gps_lon", sa.Float),
        sa.Column("duration_s", sa.Float),
        sa.Column("fps", sa.Float),
        sa.Column("codec", sa.String(32)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("seen_scan", sa.Integer, nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
        sa.Column("indexed_at", sa.Float),
    )
    op.create_index("ix_files_root_id", "files", ["root_id"])
    op.create_index("ix_files_content_hash", "files", ["content_hash"])
    op.create_index("ix_files_taken_at", "files", ["taken_at"])
    op.create_index("ix_files_status", "files", ["status"])
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id", ondelete="CASCADE"), nullable=False),
        sa.Column("t_s", sa.Float),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_items_file_id", "items", ["file_id"])
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("pretrained", sa.String(200)),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "vectors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("model_id", "item_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_vectors_item_id", "vectors", ["item_id"])
    op.create_table(
        "embedded",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "removed_items",
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # Every deleted item, also by cascade from its file or root, leaves a tombstone so a
    # vector index can catch up on deletions without diffing all keys.
    op.execute(
        "CREATE TRIGGER items_tombstone AFTER DELETE ON items "
        "BEGIN INSERT INTO removed_items(item_id) VALUES (old.id); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS items_tombstone")
    for table in ("settings", "removed_items", "embedded", "vectors", "models", "items", "files", "roots"):
        op.drop_table(table)
