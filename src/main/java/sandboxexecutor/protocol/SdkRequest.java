package sandboxexecutor.protocol;

/** {@code POST /execute/sdk}: a prompt for the in-process agent. */
public record SdkRequest(String prompt, ExecuteOptions options) implements ModeRequest {}
