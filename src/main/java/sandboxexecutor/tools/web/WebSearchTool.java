package sandboxexecutor.tools.web;

import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.WebSearchResultBlock;
import com.anthropic.models.messages.WebSearchTool20250305;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/**
 * Searches the web through Anthropic's server-side web search tool: one model call on the execution's model
 * runs the searches (continuing on {@code pause_turn}), and the tool returns the result titles and URLs with
 * the model's summary. Its tokens and search requests are billed to the execution.
 */
public final class WebSearchTool implements Tool {
  private static final int MAX_SEARCHES = 5;
  private static final int MAX_CONTINUATIONS = 4;
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["query"],"properties":{
        "query":{"type":"string","minLength":2,"description":"The search query to use"},
        "allowed_domains":{"type":"array","items":{"type":"string"},"description":"Only include search results from these domains"},
        "blocked_domains":{"type":"array","items":{"type":"string"},"description":"Never include search results from these domains"}}}""");

  record Input(String query, @JsonProperty("allowed_domains") List<String> allowedDomains,
               @JsonProperty("blocked_domains") List<String> blockedDomains) {}

  @Override public String name() { return "WebSearch"; }

  @Override public String description() {
    return "Search the web for current information. Returns result titles and URLs with a summary. "
        + "Cite the URLs you rely on in your answer. Optionally restrict results with allowed_domains or "
        + "exclude sites with blocked_domains (not both).";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return true; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    boolean allowed = input.allowedDomains() != null && !input.allowedDomains().isEmpty();
    boolean blocked = input.blockedDomains() != null && !input.blockedDomains().isEmpty();
    if (allowed && blocked) return ToolResult.error("Give allowed_domains or blocked_domains, not both.");
    var search = WebSearchTool20250305.builder().maxUses(MAX_SEARCHES);
    if (allowed) search.allowedDomains(input.allowedDomains());
    if (blocked) search.blockedDomains(input.blockedDomains());
    var params = MessageCreateParams.builder()
        .model(context.model().executionModel())
        .maxTokens(4_096)
        .addTool(search.build())
        .addUserMessage("Search the web for: " + input.query() + "\n\nThen summarise what the results say that "
            + "answers the query, citing the URL of each source you use. Report only what the results say.");
    var links = new ArrayList<String>();
    var summary = new StringBuilder();
    for (int i = 0; i <= MAX_CONTINUATIONS; i++) {
      Message message = context.model().complete(params.build());
      for (ContentBlock block : message.content()) {
        if (block.isWebSearchToolResult()) {
          var content = block.asWebSearchToolResult().content();
          if (content.isResultBlocks()) {
            for (WebSearchResultBlock r : content.asResultBlocks()) links.add("- " + r.title() + " (" + r.url() + ")");
          } else if (content.isError()) {
            summary.append("[search error: ").append(content.asError().errorCode()).append("]\n");
          }
        } else if (block.isText()) {
          summary.append(block.asText().text());
        }
      }
      boolean paused = message.stopReason().map(Object::toString).filter("pause_turn"::equals).isPresent();
      if (!paused) break;
      params.addMessage(message);
    }
    return ToolResult.ok("Web search results for \"" + input.query() + "\":\n\n"
        + (links.isEmpty() ? "(no results)" : String.join("\n", links)) + "\n\n" + summary.toString().strip());
  }
}
