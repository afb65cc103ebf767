package sandboxexecutor.tools.coding;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/** Replaces an exact string in a workspace file; refuses when it is missing or, without replace_all, ambiguous. */
public final class EditTool implements Tool {
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["file_path","old_string","new_string"],"properties":{
        "file_path":{"type":"string","minLength":1,"description":"Path of the file to modify"},
        "old_string":{"type":"string","minLength":1,"description":"The exact text to replace"},
        "new_string":{"type":"string","description":"The text to replace it with (must differ from old_string)"},
        "replace_all":{"type":"boolean","description":"Replace every occurrence of old_string (default false)"}}}""");

  record Input(String file_path, String old_string, String new_string, Boolean replace_all) {}

  @Override public String name() { return "Edit"; }

  @Override public String description() {
    return "Replace exact text in a file. old_string must match the file exactly, including whitespace and "
        + "indentation, and must be unique in the file unless replace_all is true; include surrounding lines to "
        + "make it unique. Read the file first.";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return false; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    if (input.old_string().equals(input.new_string())) return ToolResult.error("old_string and new_string are the same; nothing to change");
    var files = Workspace.files(context);
    String text = new String(files.read(input.file_path(), ReadTool.MAX_FILE_BYTES), StandardCharsets.UTF_8);
    int count = occurrences(text, input.old_string());
    if (count == 0) {
      return ToolResult.error("old_string was not found in " + input.file_path() + ". Read the file and copy the text exactly, "
          + "including whitespace.");
    }
    boolean all = Boolean.TRUE.equals(input.replace_all());
    if (count > 1 && !all) {
      return ToolResult.error("old_string occurs " + count + " times in " + input.file_path() + ". Add surrounding lines "
          + "to make it unique, or set replace_all to true.");
    }
    String updated = all ? text.replace(input.old_string(), input.new_string())
        : text.replaceFirst(java.util.regex.Pattern.quote(input.old_string()), java.util.regex.Matcher.quoteReplacement(input.new_string()));
    files.write(input.file_path(), updated.getBytes(StandardCharsets.UTF_8));
    return ToolResult.ok("Edited " + input.file_path() + ": replaced " + (all ? count + " occurrences" : "1 occurrence"));
  }

  static int occurrences(String text, String needle) {
    int count = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) count++;
    return count;
  }
}
