package sandboxexecutor.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Transcript messages in the Claude Agent SDK's {@code SDKMessage} shapes (field names as in its sdk.d.ts), so a
 * caller that parses Agent SDK output parses ours. {@code message} fields hold the Messages API JSON as sent.
 */
public sealed interface SdkMessage {
  @JsonProperty("type")
  String type();

  String uuid();

  @JsonPropertyOrder({"type", "subtype"})
  record SystemInit(
      String cwd,
      List<String> tools,
      String model,
      @JsonProperty("permissionMode") String permissionMode,
      @JsonProperty("apiKeySource") String apiKeySource,
      @JsonProperty("claude_code_version") String version,
      String uuid,
      @JsonProperty("session_id") String sessionId) implements SdkMessage {
    @Override public String type() { return "system"; }
    @JsonProperty("subtype") public String subtype() { return "init"; }
    @JsonProperty("mcp_servers") public List<Object> mcpServers() { return List.of(); }
    @JsonProperty("slash_commands") public List<String> slashCommands() { return List.of(); }
    @JsonProperty("output_style") public String outputStyle() { return "default"; }
    @JsonProperty("skills") public List<String> skills() { return List.of(); }
    @JsonProperty("plugins") public List<Object> plugins() { return List.of(); }
  }

  @JsonPropertyOrder({"type", "message"})
  record Assistant(
      JsonNode message,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("parent_tool_use_id") String parentToolUseId,
      String uuid,
      @JsonProperty("session_id") String sessionId) implements SdkMessage {
    @Override public String type() { return "assistant"; }
  }

  /** A user turn carrying tool results ({@code message.content} is a list of tool_result blocks). */
  @JsonPropertyOrder({"type", "message"})
  record User(
      JsonNode message,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("parent_tool_use_id") String parentToolUseId,
      String uuid,
      @JsonProperty("session_id") String sessionId) implements SdkMessage {
    @Override public String type() { return "user"; }
  }

  /** A raw Messages API stream event, sent only to callers that asked for partial messages. */
  @JsonPropertyOrder({"type", "event"})
  record StreamEvent(
      JsonNode event,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("parent_tool_use_id") String parentToolUseId,
      String uuid,
      @JsonProperty("session_id") String sessionId) implements SdkMessage {
    @Override public String type() { return "stream_event"; }
  }

  @JsonPropertyOrder({"type", "subtype", "is_error", "duration_ms", "duration_api_ms", "num_turns", "result"})
  record Result(
      String subtype,
      @JsonProperty("is_error") boolean isError,
      @JsonProperty("duration_ms") long durationMs,
      @JsonProperty("duration_api_ms") long durationApiMs,
      @JsonProperty("num_turns") int numTurns,
      String result,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("stop_reason") String stopReason,
      @JsonProperty("total_cost_usd") double totalCostUsd,
      JsonNode usage,
      @JsonProperty("modelUsage") Map<String, JsonNode> modelUsage,
      @JsonProperty("permission_denials") List<PermissionDenial> permissionDenials,
      List<String> errors,
      String uuid,
      @JsonProperty("session_id") String sessionId) implements SdkMessage {
    @Override public String type() { return "result"; }
  }

  record PermissionDenial(
      @JsonProperty("tool_name") String toolName,
      @JsonProperty("tool_use_id") String toolUseId,
      @JsonProperty("tool_input") JsonNode toolInput) {}
}
