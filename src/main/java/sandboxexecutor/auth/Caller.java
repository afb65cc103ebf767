package sandboxexecutor.auth;

import java.util.Optional;

/** Who sent a request: the holder of an API key, or an unauthenticated caller the configuration lets in. */
public sealed interface Caller {
  /** Authenticated by a key: acts only for the key's instance, under the key's limits. */
  record Key(ApiKey key) implements Caller {}

  /** Protected mode (a loopback caller, no keys configured) or AUTH_DISABLED: not scoped, not limited. */
  record Anonymous() implements Caller {}

  /** The instance this caller is confined to, or empty when it is not confined. */
  default Optional<String> instanceId() {
    return switch (this) {
      case Key k -> Optional.of(k.key().instanceId());
      case Anonymous a -> Optional.empty();
    };
  }
}
