"""interaction store: data keys, interactions, pseudonyms, purge runs and the audit anchor

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("kek_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("service", sa.String(length=100), nullable=True),
        sa.Column("version", sa.String(length=100), nullable=True),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=True),
        sa.Column("tenant", sa.String(length=200), nullable=True),
        sa.Column("conversation", sa.String(length=200), nullable=True),
        sa.Column("route", sa.String(length=40), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("data_key_id", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["data_key_id"], ["data_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_interactions_at", "interactions", ["at"])
    op.create_index("ix_interactions_request_id", "interactions", ["request_id"])
    op.create_index("ix_interactions_tenant", "interactions", ["tenant"])
    op.create_index("ix_interactions_data_key_id", "interactions", ["data_key_id"])
    op.create_table(
        "interaction_pseudonyms",
        sa.Column("interaction_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interaction_id", "digest"),
    )
    op.create_index("ix_interaction_pseudonyms_digest", "interaction_pseudonyms", ["digest"])
    op.create_index("ix_interaction_pseudonyms_token", "interaction_pseudonyms", ["token"])
    op.create_table(
        "purge_runs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("finished_at", _TIME, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("deleted", sa.JSON(), nullable=False),
        sa.Column("cutoffs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_purge_runs_finished_at", "purge_runs", ["finished_at"])
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", _ID, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_anchor_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("audit_anchor")
    op.drop_index("ix_purge_runs_finished_at", table_name="purge_runs")
    op.drop_table("purge_runs")
    op.drop_index("ix_interaction_pseudonyms_token", table_name="interaction_pseudonyms")
    op.drop_index("ix_interaction_pseudonyms_digest", table_name="interaction_pseudonyms")
    op.drop_table("interaction_pseudonyms")
    op.drop_index("ix_interactions_data_key_id", table_name="interactions")
    op.drop_index("ix_interactions_tenant", table_name="interactions")
    op.drop_index("ix_interactions_request_id", table_name="interactions")
    op.drop_index("ix_interactions_at", table_name="interactions")
    op.drop_table("interactions")
    op.drop_table("data_keys")
