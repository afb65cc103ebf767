package sandboxexecutor.tools.web;

import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.stream.Collectors;
import sandboxexecutor.net.WebPage;
import sandboxexecutor.net.WebPageFetcher;
import sandboxexecutor.protocol.ExecutorException;
import sandboxexecutor.protocol.Json;
import sandboxexecutor.tools.Tool;
import sandboxexecutor.tools.ToolContext;
import sandboxexecutor.tools.ToolResult;

/**
 * Fetches a page (http/https only, addresses checked, redirects re-checked, size and time bounded, HTML turned
 * into Markdown) and has a small fast model answer the caller's prompt from it, so a large page costs the main
 * model only the answer. The small model's tokens are billed to the execution.
 */
public final class WebFetchTool implements Tool {
  private static final JsonNode SCHEMA = Json.parse("""
      {"type":"object","additionalProperties":false,"required":["url","prompt"],"properties":{
        "url":{"type":"string","minLength":8,"maxLength":4096,"description":"The URL to fetch content from"},
        "prompt":{"type":"string","minLength":1,"description":"The prompt to run on the fetched content"}}}""");

  record Input(String url, String prompt) {}

  private final WebPageFetcher fetcher;
  private final String smallModel;

  public WebFetchTool(WebPageFetcher fetcher, String smallModel) {
    this.fetcher = fetcher;
    this.smallModel = smallModel;
  }

  @Override public String name() { return "WebFetch"; }

  @Override public String description() {
    return "Fetch a web page (http or https) and answer a prompt about its content. The page is converted to "
        + "Markdown and read by a small fast model, which answers the prompt; you get that answer. Private, "
        + "loopback and cloud-metadata addresses are refused. Results may be cached for 15 minutes.";
  }

  @Override public JsonNode inputSchema() { return SCHEMA; }

  @Override public boolean readOnly() { return true; }

  @Override
  public ToolResult call(JsonNode json, ToolContext context) throws Exception {
    var input = Json.MAPPER.treeToValue(json, Input.class);
    WebPage page;
    try {
      page = fetcher.fetch(input.url(), context.deadline());
    } catch (ExecutorException | IOException e) {
      return ToolResult.error("Could not fetch " + input.url() + ": " + e.getMessage());
    }
    String heading = "Fetched " + page.url() + " (HTTP " + page.status() + ", " + page.contentType()
        + (page.truncated() ? ", content truncated at the size limit" : "") + ")";
    if (!page.ok()) {
      String excerpt = page.content().length() > 2_000 ? page.content().substring(0, 2_000) + "..." : page.content();
      return ToolResult.error(heading + ": the server answered with an error.\n\n" + excerpt);
    }
    var params = MessageCreateParams.builder()
        .model(context.model().resolveModel(smallModel))
        .maxTokens(2_048)
        .addUserMessage("Web page content from " + page.url() + ":\n<page>\n" + page.content() + "\n</page>\n\n"
            + "Answer this request using only the page content above. Be concise; quote exactly where the request "
            + "asks for exact text. If the page does not contain the answer, say so.\n\nRequest: " + input.prompt());
    var answer = context.model().complete(params.build());
    String text = answer.content().stream().filter(ContentBlock::isText).map(b -> b.asText().text())
        .collect(Collectors.joining("\n")).strip();
    return ToolResult.ok(heading + "\n\n" + text);
  }
}
