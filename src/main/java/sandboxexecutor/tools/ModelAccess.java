package sandboxexecutor.tools;

import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;

/**
 * Model calls a tool makes on behalf of its execution: streamed, retried, cancelled with the execution, and
 * counted into its usage and cost. Implemented by the agent core.
 */
public interface ModelAccess {
  /** Resolves an alias ({@code haiku}, {@code sonnet}, {@code opus}) or returns a full id unchanged. */
  String resolveModel(String aliasOrId);

  /** The model the execution itself runs on. */
  String executionModel();

  Message complete(MessageCreateParams params) throws InterruptedException;
}
