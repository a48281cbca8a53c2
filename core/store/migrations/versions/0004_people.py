"""People: faces found in items (boxes, landmarks, identity vectors), the people they are grouped
into, the user's examples of who is and is not a person, and which items have been looked at.

Revision ID: 0004_people
Revises: 0003_speech
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_people"
down_revision = "0003_speech"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "face_items",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("faces", sa.Integer, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("hidden", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "faces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("x0", sa.Integer, nullable=False),
        sa.Column("y0", sa.Integer, nullable=False),
        sa.Column("x1", sa.Integer, nullable=False),
        sa.Column("y1", sa.Integer, nullable=False),
        sa.Column("landmarks", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("quality", sa.Float, nullable=False),
        sa.Column("embedding", sa.LargeBinary),
        sa.Column("source", sa.String(8), nullable=False, server_default="found"),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL")),
        sa.Column("by_user", sa.Integer, nullable=False, server_default="0"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_faces_item_id", "faces", ["item_id"])
    op.create_index("ix_faces_person_id", "faces", ["person_id"])
    op.create_table(
        "person_examples",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("agrees", sa.Integer, nullable=False),
    )
    op.create_index("ix_person_examples_person_id", "person_examples", ["person_id"])


def downgrade() -> None:
    op.drop_table("person_examples")
    op.drop_table("faces")
    op.drop_table("people")
    op.drop_table("face_items")
