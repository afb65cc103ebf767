package sandboxexecutor.execution;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import sandboxexecutor.protocol.SdkMessage;

/** A readable log of a run for people: each tool call, its output (truncated), and the final answer. */
public final class TranscriptLog {
  private static final int MAX_OUTPUT = 2_000;

  private TranscriptLog() {}

  public static String render(List<SdkMessage> messages) {
    var log = new StringBuilder();
    for (SdkMessage message : messages) {
      switch (message) {
        case SdkMessage.SystemInit init -> log.append("[start] model ").append(init.model())
            .append(", tools: ").append(String.join(", ", init.tools())).append('\n');
        case SdkMessage.Assistant assistant -> {
          for (JsonNode block : assistant.message().path("content")) {
            switch (block.path("type").asText()) {
              case "text" -> log.append("[assistant] ").append(block.path("text").asText().strip()).append('\n');
              case "tool_use" -> log.append("[tool] ").append(block.path("name").asText()).append(' ')
                  .append(truncate(block.path("input").toString())).append('\n');
              default -> { }
            }
          }
        }
        case SdkMessage.User user -> {
          for (JsonNode block : user.message().path("content")) {
            log.append(block.path("is_error").asBoolean() ? "[tool error] " : "[tool output] ")
                .append(truncate(block.path("content").asText())).append('\n');
          }
        }
        case SdkMessage.StreamEvent event -> { }
        case SdkMessage.Result result -> {
          log.append("[result] ").append(result.subtype()).append(", ").append(result.numTurns()).append(" turns, ")
              .append(String.format(java.util.Locale.ROOT, "%.4f", result.totalCostUsd())).append(" USD\n");
          if (result.result() != null) log.append(result.result().strip()).append('\n');
          if (result.errors() != null) result.errors().forEach(e -> log.append("[error] ").append(e).append('\n'));
        }
      }
    }
    return log.toString();
  }

  private static String truncate(String s) {
    String text = s.strip();
    if (text.length() <= MAX_OUTPUT) return text;
    return text.substring(0, MAX_OUTPUT) + " [... " + (text.length() - MAX_OUTPUT) + " more characters]";
  }
}
