"""Text found in pictures (OCR): lines with their boxes and confidence, a trigram FTS5 index over them,
and which items have been read (the unit of resumable OCR work).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ocr_items",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "ocr_lines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
        sa.Column("conf", sa.Float, nullable=False),
        sa.Column("x0", sa.Integer, nullable=False),
        sa.Column("y0", sa.Integer, nullable=False),
        sa.Column("x1", sa.Integer, nullable=False),
        sa.Column("y1", sa.Integer, nullable=False),
    )
    op.create_index("ix_ocr_lines_item_id", "ocr_lines", ["item_id"])
    # Trigram tokens: OCR often drops the spaces between words ("MUSEUMOFART"), so words are
    # matched as substrings, which a word tokenizer cannot do. What is indexed is the line's
    # search form (`core.catalog.fold_text`: lower case, look-alike digits inside words read as letters).
    op.execute("CREATE VIRTUAL TABLE ocr_fts USING fts5(folded, content='ocr_lines', content_rowid='id', "
               "tokenize='trigram')")
    # Lines go with their item (also by cascade from a changed, moved-away or removed file).
    op.execute("CREATE TRIGGER ocr_lines_ai AFTER INSERT ON ocr_lines BEGIN "
               "INSERT INTO ocr_fts(rowid, folded) VALUES (new.id, new.folded); END")
    op.execute("CREATE TRIGGER ocr_lines_ad AFTER DELETE ON ocr_lines BEGIN "
               "INSERT INTO ocr_fts(ocr_fts, rowid, folded) VALUES ('delete', old.id, old.folded); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS ocr_lines_ad")
    op.execute("DROP TRIGGER IF EXISTS ocr_lines_ai")
    op.execute("DROP TABLE IF EXISTS ocr_fts")
    op.drop_table("ocr_lines")
    op.drop_table("ocr_items")
