package sandboxexecutor.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sandboxexecutor.config.Config;

/**
 * Re-reads the keys file whenever its content changes, so keys created or revoked with the {@code keys} command
 * take effect on a running server. A file that no longer parses is reported and the keys in use stay: a typo must
 * not lock every caller out.
 */
public final class KeysReloader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeysReloader.class);

  private final Config.AccessSettings settings;
  private final Authenticator authenticator;
  private final ScheduledExecutorService checks =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("keys-reload").factory());
  private byte[] seen; // the file's content when last read; null while it does not exist

  public KeysReloader(Config.AccessSettings settings, Authenticator authenticator, Duration every) {
    this.settings = settings;
    this.authenticator = authenticator;
    checks.scheduleWithFixedDelay(this::check, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    byte[] content;
    try {
      content = Files.readAllBytes(settings.keysFile());
    } catch (NoSuchFileException e) {
      content = null;
    } catch (IOException e) {
      log.warn("cannot read API_KEYS_FILE {}: {}; the keys in use stay", settings.keysFile(), e.toString());
      return;
    }
    if (Arrays.equals(content, seen)) return;
    seen = content;
    try {
      Access access = Access.read(settings);
      if (!authenticator.reload(access)) return;
      if (access.protectedMode()) {
        log.warn("API_KEYS_FILE {} changed and holds no key: protected mode, only loopback callers are served",
            settings.keysFile());
      } else {
        log.info("API_KEYS_FILE {} changed: {} API keys in use", settings.keysFile(), authenticator.keyCount());
      }
    } catch (IllegalArgumentException e) {
      log.error("API_KEYS_FILE changed but is not valid, so the {} keys in use stay: {}", authenticator.keyCount(),
          e.getMessage());
    } catch (RuntimeException e) { // a thrown exception would end the schedule
      log.error("reloading API_KEYS_FILE failed; the keys in use stay", e);
    }
  }

  @Override
  public void close() {
    checks.shutdownNow();
  }
}
