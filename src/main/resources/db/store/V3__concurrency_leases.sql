-- Concurrency slots shared by every node on one database (used with PostgreSQL; portable so SQLite runs it too).
-- One lease per execution queued or running under a limited name (an API key). Its holder (a node) renews its
-- leases while it lives, so the slots of a node that died come free once its leases expire.
CREATE TABLE concurrency_leases (
  id            VARCHAR(64)  NOT NULL PRIMARY KEY,
  name          VARCHAR(200) NOT NULL,
  holder        VARCHAR(64)  NOT NULL,
  expires_at_ms BIGINT       NOT NULL
);

CREATE INDEX concurrency_leases_name ON concurrency_leases (name, expires_at_ms);
CREATE INDEX concurrency_leases_holder ON concurrency_leases (holder, expires_at_ms);

-- One row per name, written at the start of every acquisition: the row lock serialises acquisitions of one name
-- (count, then insert) across nodes, portably where SELECT ... FOR UPDATE or advisory locks are not.
CREATE TABLE concurrency_slots (
  name VARCHAR(200) NOT NULL PRIMARY KEY
);
