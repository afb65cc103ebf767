package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalObjectStoreTest {
  @TempDir Path dir;
  LocalObjectStore store;

  @BeforeEach
  void open() {
    store = new LocalObjectStore(dir.resolve("results"));
  }

  @Test
  void objects_round_trip_and_overwrite() {
    byte[] first = "one".getBytes(StandardCharsets.UTF_8);
    byte[] second = "two, longer".getBytes(StandardCharsets.UTF_8);
    store.put("executions/e1/result.json", first, "application/json");
    assertArrayEquals(first, store.get("executions/e1/result.json").orElseThrow());
    store.put("executions/e1/result.json", new ByteArrayInputStream(second), second.length, "application/json");
    assertArrayEquals(second, store.get("executions/e1/result.json").orElseThrow());
    assertEquals(Optional.empty(), store.get("executions/e2/result.json"));
  }

  @Test
  void deleting_removes_the_object_and_its_empty_directories() {
    store.put("executions/e1/result.json", new byte[] {1}, "application/json");
    store.delete("executions/e1/result.json");
    store.delete("executions/e1/result.json");
    assertEquals(Optional.empty(), store.get("executions/e1/result.json"));
    assertEquals(Set.of("results", ".tmp"), filesUnder(dir));
  }

  @Test
  void keys_that_could_escape_the_directory_are_rejected() {
    var bad = new ArrayList<>(List.of("../x", "a/../../x", "/etc/passwd", "a//b", "a/", ".hidden", "a/.b", "", "a\\b",
        "a/./b", "c:/x", "a b"));
    bad.add("k".repeat(ObjectStore.MAX_KEY_LENGTH + 1));
    for (String key : bad) {
      assertThrows(IllegalArgumentException.class, () -> store.put(key, new byte[1], "text/plain"), key);
      assertThrows(IllegalArgumentException.class, () -> store.get(key), key);
    }
    assertEquals(Set.of("results", ".tmp"), filesUnder(dir));
  }

  @Test
  void a_stream_shorter_than_announced_stores_nothing() {
    assertThrows(IllegalArgumentException.class,
        () -> store.put("executions/e1/logs.txt", new ByteArrayInputStream(new byte[3]), 4, "text/plain"));
    assertEquals(Optional.empty(), store.get("executions/e1/logs.txt"));
    assertEquals(Set.of("results", ".tmp"), filesUnder(dir));
  }

  @Test
  void readers_never_see_a_partly_written_object() throws Exception {
    var versions = new ArrayList<byte[]>();
    for (int i = 0; i < 8; i++) versions.add(String.valueOf((char) ('a' + i)).repeat(200_000).getBytes(StandardCharsets.UTF_8));
    store.put("k/v", versions.getFirst(), "text/plain");
    var torn = new ConcurrentLinkedQueue<Integer>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 40; i++) {
        int n = i;
        pool.submit(() -> store.put("k/v", versions.get(n % versions.size()), "text/plain"));
        pool.submit(() -> {
          byte[] read = store.get("k/v").orElseThrow();
          if (versions.stream().noneMatch(v -> java.util.Arrays.equals(v, read))) torn.add(read.length);
        });
      }
    }
    assertEquals(List.of(), List.copyOf(torn));
  }

  @Test
  void sweeping_deletes_old_objects_and_stale_temp_files_up_to_the_bound() throws Exception {
    Instant now = Instant.parse("2026-03-01T00:00:00Z");
    for (int i = 0; i < 3; i++) store.put("executions/old" + i + "/result.json", new byte[] {1}, "application/json");
    store.put("executions/new/result.json", new byte[] {1}, "application/json");
    Path root = dir.resolve("results");
    Files.writeString(root.resolve(".tmp/crashed.part"), "x");
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        boolean fresh = f.toString().contains("new");
        Files.setLastModifiedTime(f, FileTime.from(now.minus(Duration.ofDays(fresh ? 1 : 40))));
      }
    }
    Instant cutoff = now.minus(Duration.ofDays(30));
    assertEquals(2, store.deleteOlderThan(cutoff, 2));
    assertEquals(2, store.deleteOlderThan(cutoff, 2));
    assertEquals(0, store.deleteOlderThan(cutoff, 2));
    assertTrue(store.get("executions/new/result.json").isPresent());
    assertEquals(Set.of("results", ".tmp", "executions", "new", "result.json"), filesUnder(dir));
  }

  private static Set<String> filesUnder(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> !p.equals(dir)).map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
