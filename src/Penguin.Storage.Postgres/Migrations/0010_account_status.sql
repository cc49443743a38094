-- Accounts an administrator disabled and accounts their owner deleted: the same as the SQLite engine's
-- 0010_account_status.sql, in PostgreSQL types. The row stays as a tombstone (numbers are never reused).
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
