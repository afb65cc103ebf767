package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real AWS SDK against {@link FakeS3}. */
class S3ObjectStoreTest {
  FakeS3 fake;
  S3ObjectStore store;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeS3("results");
    store = new S3ObjectStore(settings("results"));
  }

  @AfterEach
  void stop() {
    store.close();
    fake.close();
  }

  S3Settings settings(String bucket) {
    return new S3Settings(bucket, Optional.of(fake.endpoint()), "auto", Optional.of("test-key"),
        Optional.of("test-secret"), "sandbox-executor");
  }

  @Test
  void objects_round_trip_under_the_prefix_with_path_style_urls_and_plain_bodies() {
    byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    store.put("executions/e1/result.json", json, "application/json");
    byte[] log = "line\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    store.put("executions/e1/logs.txt", new ByteArrayInputStream(log), log.length, "text/plain");

    assertArrayEquals(json, store.get("executions/e1/result.json").orElseThrow());
    assertArrayEquals(log, store.get("executions/e1/logs.txt").orElseThrow());
    assertEquals("application/json", fake.objects.get("sandbox-executor/executions/e1/result.json").contentType());
    var put = fake.requests.getFirst();
    assertEquals("PUT", put.method());
    assertEquals("/results/sandbox-executor/executions/e1/result.json", put.path());
    assertEquals(null, put.contentEncoding(), "no aws-chunked encoding");

    store.delete("executions/e1/result.json");
    assertEquals(Optional.empty(), store.get("executions/e1/result.json"));
    store.delete("executions/e1/result.json"); // deleting twice is fine
    assertEquals(Set.of("sandbox-executor/executions/e1/logs.txt"), fake.objects.keySet());
  }

  @Test
  void a_missing_object_reads_as_empty() {
    assertEquals(Optional.empty(), store.get("executions/none/result.json"));
  }

  @Test
  void invalid_keys_are_rejected_before_any_request() {
    for (String key : List.of("../x", "/abs", "a//b", ".hidden")) {
      assertThrows(IllegalArgumentException.class, () -> store.put(key, new byte[1], "text/plain"), key);
    }
    assertEquals(List.of(), fake.requests);
  }

  @Test
  void a_missing_bucket_is_a_store_error() {
    try (var other = new S3ObjectStore(settings("nope"))) {
      var e = assertThrows(StoreException.class, () -> other.put("k", new byte[1], "text/plain"));
      assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
  }

  @Test
  void sweeping_pages_through_the_listing_deletes_only_old_objects_and_stops_at_the_bound() {
    for (int i = 0; i < 5; i++) store.put("executions/old" + i + "/result.json", new byte[] {1}, "application/json");
    fake.now = fake.now.plus(Duration.ofDays(40));
    for (int i = 0; i < 2; i++) store.put("executions/new" + i + "/result.json", new byte[] {1}, "application/json");
    fake.objects.put("elsewhere/old.json", new FakeS3.Stored(new byte[1], "x", fake.now.minus(Duration.ofDays(99))));
    var cutoff = fake.now.minus(Duration.ofDays(30));

    assertEquals(3, store.deleteOlderThan(cutoff, 3));
    assertEquals(2, store.deleteOlderThan(cutoff, 3));
    assertEquals(0, store.deleteOlderThan(cutoff, 3));
    assertEquals(Set.of("elsewhere/old.json", "sandbox-executor/executions/new0/result.json",
        "sandbox-executor/executions/new1/result.json"), fake.objects.keySet());
    assertTrue(fake.requests.stream().anyMatch(r -> r.query() != null && r.query().contains("continuation-token")),
        "listing must have used more than one page");
  }

  @Test
  void settings_never_print_the_secret_and_pick_auto_region_for_r2() {
    assertTrue(!settings("results").toString().contains("test-secret"));
    assertEquals("auto", S3Settings.defaultRegion(Optional.of(URI.create("https://acct.r2.cloudflarestorage.com"))));
    assertEquals("us-east-1", S3Settings.defaultRegion(Optional.of(URI.create("http://127.0.0.1:9000"))));
    assertEquals("us-east-1", S3Settings.defaultRegion(Optional.empty()));
  }
}
