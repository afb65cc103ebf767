package sandboxexecutor.protocol;

/** What one of the two modes runs; a switch over it is exhaustive. */
public sealed interface ModeRequest permits SdkRequest, SandboxRequest {
  ExecuteOptions options();
}
