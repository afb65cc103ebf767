package sandboxexecutor.tools.coding;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/** Creates or overwrites a workspace file, creating missing parent directories. */
public final class WriteTool implements Tool {
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["file_path","content"],"properties":{
        "file_path":{"type":"string","minLength":1,"description":"Path of the file, relative to the workspace or absolute inside it"},
        "content":{"type":"string","description":"The content to write to the file"}}}""");

  record Input(String file_path, String content) {}

  @Override public String name() { return "Write"; }

  @Override public String description() {
    return "Write a file in the workspace, replacing it if it exists and creating parent directories. Prefer Edit "
        + "for changing part of an existing file.";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return false; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    byte[] bytes = input.content().getBytes(StandardCharsets.UTF_8);
    Workspace.files(context).write(input.file_path(), bytes);
    return ToolResult.ok("Wrote " + bytes.length + " bytes to " + input.file_path());
  }
}
