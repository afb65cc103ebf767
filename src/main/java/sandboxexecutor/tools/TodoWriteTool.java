package sandboxexecutor.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import sandboxexecutor.protocol.Json;

/** Keeps the execution's todo list; the model replaces it whole. The final list is in the response metadata. */
public final class TodoWriteTool implements Tool {
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["todos"],"properties":{
        "todos":{"type":"array","description":"The updated todo list","items":{
          "type":"object","additionalProperties":false,"required":["content","status","activeForm"],"properties":{
            "content":{"type":"string","minLength":1},
            "status":{"type":"string","enum":["pending","in_progress","completed"]},
            "activeForm":{"type":"string","minLength":1}}}}}}""");

  record Input(List<TodoList.Todo> todos) {}

  @Override public String name() { return "TodoWrite"; }

  @Override public String description() {
    return "Create and update a structured task list for this task. Use it for work with three or more steps: "
        + "write the steps, keep exactly one in_progress, and mark each completed as soon as it is done. "
        + "Each call replaces the whole list.";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return true; }

  @Override
  public ToolResult call(JsonNode input, ToolContext context) throws Exception {
    var todos = Json.MAPPER.treeToValue(input, Input.class).todos();
    context.todos().replace(todos);
    long done = todos.stream().filter(t -> t.status().equals("completed")).count();
    return ToolResult.ok("Todo list updated: " + todos.size() + " items, " + done + " completed. "
        + "Keep working through the list and mark items completed as you finish them.");
  }
}
