package sandboxexecutor.tools;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool the model can call. Each tool holds its model-facing name, description and JSON schema next to its
 * code, decodes its input into its own record, and reports failures the model can act on as an error result.
 * Input has already been validated against {@link #inputSchema()} when {@link #call} runs.
 */
public interface Tool {
  String name();

  String description();

  /** A JSON Schema object ({@code "type": "object"}). */
  JsonNode inputSchema();

  /** True when the tool changes nothing (allowed in {@code plan} permission mode). */
  boolean readOnly();

  /** Runs the tool. An exception becomes an {@code is_error} tool result; it never ends the execution. */
  ToolResult call(JsonNode input, ToolContext context) throws Exception;
}
