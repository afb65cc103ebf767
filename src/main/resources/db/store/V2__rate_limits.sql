-- Token buckets shared by every node on one database (used with PostgreSQL; portable so SQLite runs it too).
-- One row per bucket (an API key's requests per minute); a take updates the row in one statement.
CREATE TABLE rate_limits (
  bucket        VARCHAR(200)     NOT NULL PRIMARY KEY,
  tokens        DOUBLE PRECISION NOT NULL,
  granted       INTEGER          NOT NULL,
  updated_at_ms BIGINT           NOT NULL
);
