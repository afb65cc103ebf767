-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Times are epoch milliseconds (BIGINT) so both
-- databases compare and paginate them identically; JSON values are opaque TEXT written by the service.
CREATE TABLE executions (
  id              VARCHAR(64)  NOT NULL PRIMARY KEY,
  mode            VARCHAR(16)  NOT NULL,
  status          VARCHAR(16)  NOT NULL,
  instance_id     VARCHAR(200) NOT NULL,
  project_id      VARCHAR(200),
  idempotency_key VARCHAR(200),
  request_json    TEXT         NOT NULL,
  model           VARCHAR(200),
  model_id        VARCHAR(200),
  created_at_ms   BIGINT       NOT NULL,
  started_at_ms   BIGINT,
  finished_at_ms  BIGINT,
  duration_ms     BIGINT,
  num_turns       INTEGER,
  usage_json      TEXT,
  cost_usd        DOUBLE PRECISION,
  error_code      VARCHAR(100),
  error_message   TEXT,
  result_summary  TEXT,
  subtype         VARCHAR(100),
  callback_url    TEXT,
  artifacts_json  TEXT         NOT NULL,
  details_json    TEXT
);

-- One execution per (tenant, idempotency key); rows without a key are unconstrained.
CREATE UNIQUE INDEX executions_idempotency ON executions (instance_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Listing is newest first with keyset pagination on (created_at_ms, id), optionally within one filter.
CREATE INDEX executions_created ON executions (created_at_ms, id);
CREATE INDEX executions_instance_created ON executions (instance_id, created_at_ms, id);
CREATE INDEX executions_project_created ON executions (project_id, created_at_ms, id);
-- Also serves start-up recovery (status = running/queued) and retention.
CREATE INDEX executions_status_created ON executions (status, created_at_ms, id);

CREATE TABLE callback_deliveries (
  id                 VARCHAR(64) NOT NULL PRIMARY KEY,
  execution_id       VARCHAR(64) NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  attempt            INTEGER     NOT NULL,
  at_ms              BIGINT      NOT NULL,
  status_code        INTEGER,
  error              TEXT,
  next_attempt_at_ms BIGINT
);

CREATE INDEX callback_deliveries_execution ON callback_deliveries (execution_id, attempt);
