"""What is said in videos: subtitle and speech lines join the OCR lines' full-text index, each marked
with the expert that found it and its time span, and `transcripts` records which videos were heard.

Subtitle and speech lines live in `ocr_lines` (so `ocr_fts`, the fusion and the repair serve all three
experts alike): `expert` says who found the words ("ocr", "subtitle", "speech"), `start_s`/`end_s` when
they are said or shown, `words` the timed words as JSON (speech only). Such a line belongs to the sampled
frame standing for its start, so it goes with the video's items like OCR's lines do.

Revision ID: 0003_speech
Revises: 0002
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_speech"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ocr_lines", recreate="never") as batch:
        batch.add_column(sa.Column("expert", sa.String(8), nullable=False, server_default="ocr"))
        batch.add_column(sa.Column("start_s", sa.Float, nullable=True))
        batch.add_column(sa.Column("end_s", sa.Float, nullable=True))
        batch.add_column(sa.Column("words", sa.Text, nullable=True))
    op.create_table(
        "transcripts",
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("expert", sa.String(8), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("done_s", sa.Float, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("language_detected", sa.Boolean, nullable=False),
        sa.Column("engine", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("transcripts")
    op.execute("DELETE FROM ocr_lines WHERE expert != 'ocr'")
    for column in ("words", "end_s", "start_s", "expert"):
        op.execute(f"ALTER TABLE ocr_lines DROP COLUMN {column}")  # SQLite 3.35+
