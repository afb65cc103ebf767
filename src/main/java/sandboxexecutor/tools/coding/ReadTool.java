package sandboxexecutor.tools.coding;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/** Reads a workspace file with line numbers ({@code cat -n} style), a window of lines at a time. */
public final class ReadTool implements Tool {
  static final long MAX_FILE_BYTES = 10L << 20;
  private static final int DEFAULT_LINES = 2_000;
  private static final int MAX_LINE_CHARS = 2_000;
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["file_path"],"properties":{
        "file_path":{"type":"string","minLength":1,"description":"Path of the file, relative to the workspace or absolute inside it"},
        "offset":{"type":"integer","minimum":1,"description":"The line number to start reading from"},
        "limit":{"type":"integer","minimum":1,"description":"The number of lines to read"}}}""");

  record Input(String file_path, Integer offset, Integer limit) {}

  @Override public String name() { return "Read"; }

  @Override public String description() {
    return "Read a file from the workspace. Output is numbered lines (line number, tab, text). Reads up to "
        + DEFAULT_LINES + " lines by default; use offset and limit for long files. Lines longer than "
        + MAX_LINE_CHARS + " characters are cut.";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return true; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    byte[] bytes = Workspace.files(context).read(input.file_path(), MAX_FILE_BYTES);
    if (bytes.length == 0) return ToolResult.ok("(the file is empty)");
    for (int i = 0; i < Math.min(bytes.length, 8_000); i++) {
      if (bytes[i] == 0) return ToolResult.ok("(binary file, " + bytes.length + " bytes; not shown)");
    }
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
    int total = lines.length - (lines[lines.length - 1].isEmpty() ? 1 : 0);
    int start = input.offset() == null ? 1 : input.offset();
    int count = input.limit() == null ? DEFAULT_LINES : input.limit();
    if (start > total) return ToolResult.error("offset " + start + " is past the end of the file (" + total + " lines)");
    int end = (int) Math.min(total, (long) start + count - 1);
    var out = new StringBuilder();
    for (int n = start; n <= end; n++) {
      String line = lines[n - 1];
      if (line.length() > MAX_LINE_CHARS) line = line.substring(0, MAX_LINE_CHARS) + " [line cut]";
      out.append(String.format("%6d\t%s%n", n, line));
    }
    if (end < total) out.append("... (").append(total - end).append(" more lines; read on with offset=").append(end + 1).append(")\n");
    return ToolResult.ok(out.toString());
  }
}
