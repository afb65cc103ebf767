package sandboxexecutor.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** Column list and conversions between {@link ExecutionRecord} and a row of {@code executions}. */
final class ExecutionRows {
  static final String COLUMNS = "id, mode, status, instance_id, project_id, idempotency_key, request_json, model, "
      + "model_id, created_at_ms, started_at_ms, finished_at_ms, duration_ms, num_turns, usage_json, cost_usd, "
      + "error_code, error_message, result_summary, subtype, callback_url, artifacts_json, details_json";
  static final String PLACEHOLDERS = "?" + ", ?".repeat(22);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private ExecutionRows() {}

  static void bind(PreparedStatement s, ExecutionRecord r) throws SQLException {
    int i = 0;
    s.setString(++i, r.id());
    s.setString(++i, r.mode().wire());
    s.setString(++i, r.status().wire());
    s.setString(++i, r.instanceId());
    s.setString(++i, r.projectId());
    s.setString(++i, r.idempotencyKey());
    s.setString(++i, r.request());
    s.setString(++i, r.model());
    s.setString(++i, r.modelId());
    s.setLong(++i, r.createdAt().toEpochMilli());
    setMillis(s, ++i, r.startedAt());
    setMillis(s, ++i, r.finishedAt());
    setLong(s, ++i, r.durationMs());
    setInt(s, ++i, r.numTurns());
    s.setString(++i, r.usage());
    setDouble(s, ++i, r.costUsd());
    s.setString(++i, r.errorCode());
    s.setString(++i, r.errorMessage());
    s.setString(++i, r.resultSummary());
    s.setString(++i, r.subtype());
    s.setString(++i, r.callbackUrl());
    s.setString(++i, toJson(r.artifacts()));
    s.setString(++i, r.details());
  }

  static ExecutionRecord read(ResultSet rs) throws SQLException {
    return new ExecutionRecord(
        rs.getString("id"),
        ExecutionMode.fromWire(rs.getString("mode")),
        ExecutionStatus.fromWire(rs.getString("status")),
        rs.getString("instance_id"),
        rs.getString("project_id"),
        rs.getString("idempotency_key"),
        rs.getString("request_json"),
        rs.getString("model"),
        rs.getString("model_id"),
        Instant.ofEpochMilli(rs.getLong("created_at_ms")),
        instant(rs, "started_at_ms"),
        instant(rs, "finished_at_ms"),
        nullableLong(rs, "duration_ms"),
        nullableInt(rs, "num_turns"),
        rs.getString("usage_json"),
        nullableDouble(rs, "cost_usd"),
        rs.getString("error_code"),
        rs.getString("error_message"),
        rs.getString("result_summary"),
        rs.getString("subtype"),
        rs.getString("callback_url"),
        fromJson(rs.getString("artifacts_json")),
        rs.getString("details_json"));
  }

  static String toJson(Map<String, String> map) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(map));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings always serializes", e);
    }
  }

  static Map<String, String> fromJson(String json) {
    try {
      return JSON.readValue(json, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw new StoreException("artifacts_json is not a JSON object of strings", e);
    }
  }

  static void setMillis(PreparedStatement s, int i, Instant at) throws SQLException {
    setLong(s, i, at == null ? null : at.toEpochMilli());
  }

  static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
    if (v == null) s.setNull(i, Types.BIGINT); else s.setLong(i, v);
  }

  static void setInt(PreparedStatement s, int i, Integer v) throws SQLException {
    if (v == null) s.setNull(i, Types.INTEGER); else s.setInt(i, v);
  }

  static void setDouble(PreparedStatement s, int i, Double v) throws SQLException {
    if (v == null) s.setNull(i, Types.DOUBLE); else s.setDouble(i, v);
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    Long ms = nullableLong(rs, column);
    return ms == null ? null : Instant.ofEpochMilli(ms);
  }

  static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  static Integer nullableInt(ResultSet rs, String column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  static Double nullableDouble(ResultSet rs, String column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }
}
