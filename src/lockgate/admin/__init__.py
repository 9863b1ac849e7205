"""The admin HTTP API under /admin/v1 (FastAPI): keys, audit, and later flags, rollouts, config."""
