"""Managing a library: ratings, favourites, titles, captions, camera lens and place per file (`file_meta`),
hierarchical tags (`tags`, `file_tags`), albums and smart albums (`albums`, `album_files`).

Revision ID: 0005_manage
Revises: 0004_people
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_manage"
down_revision = "0004_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_meta",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("rating", sa.Integer),
        sa.Column("favourite", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("title", sa.Text),
        sa.Column("caption", sa.Text),
        sa.Column("regions", sa.Text),
        sa.Column("lens", sa.String(128)),
        sa.Column("city", sa.String(128)),
        sa.Column("region", sa.String(128)),
        sa.Column("country", sa.String(128)),
        sa.Column("country_code", sa.String(2)),
        sa.Column("read_mtime_ns", sa.BigInteger),
        sa.Column("sidecar", sa.LargeBinary),
        sa.Column("sidecar_mtime_ns", sa.BigInteger),
        sa.Column("sidecar_error", sa.Text),
    )
    op.create_index("ix_file_meta_rating", "file_meta", ["rating"])
    op.create_index("ix_file_meta_favourite", "file_meta", ["favourite"])
    op.create_index("ix_file_meta_place", "file_meta", ["country", "city"])
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(512), nullable=False, unique=True),
    )
    op.create_table(
        "file_tags",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag_id", sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_file_tags_tag_id", "file_tags", ["tag_id"])
    op.create_table(
        "albums",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(256), nullable=False, unique=True),
        sa.Column("query", sa.Text),
        sa.Column("filters", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "album_files",
        sa.Column("album_id", sa.Integer, sa.ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    op.create_index("ix_album_files_file_id", "album_files", ["file_id"])


def downgrade() -> None:
    op.drop_table("album_files")
    op.drop_table("albums")
    op.drop_table("file_tags")
    op.drop_table("tags")
    op.drop_table("file_meta")
