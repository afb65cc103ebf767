package sandboxexecutor.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pure checks of the store's value types: URL parsing, queries, completions. */
class StoreTypesTest {

  @Test
  void postgres_urls_become_jdbc_urls_with_the_credentials_kept_apart() {
    assertEquals(new DatabaseUrl(DatabaseUrl.Dialect.POSTGRESQL, "jdbc:postgresql://db.example:6543/exec?sslmode=require",
            Optional.of("app"), Optional.of("p@ss:w+rd")),
        DatabaseUrl.parse("postgres://app:p%40ss%3Aw+rd@db.example:6543/exec?sslmode=require"));
    assertEquals(new DatabaseUrl(DatabaseUrl.Dialect.POSTGRESQL, "jdbc:postgresql://h/postgres", Optional.empty(),
        Optional.empty()), DatabaseUrl.parse("postgresql://h"));
    assertEquals(new DatabaseUrl(DatabaseUrl.Dialect.POSTGRESQL, "jdbc:postgresql://h:5432/d?user=u&password=s",
        Optional.empty(), Optional.empty()), DatabaseUrl.parse("jdbc:postgresql://h:5432/d?user=u&password=s"));
    assertEquals(DatabaseUrl.Dialect.SQLITE, DatabaseUrl.parse("jdbc:sqlite:/tmp/x.db").dialect());
  }

  @Test
  void the_password_never_shows_in_text_or_errors() {
    assertFalse(DatabaseUrl.parse("postgres://app:s3cret@h/d").toString().contains("s3cret"));
    assertFalse(DatabaseUrl.parse("jdbc:postgresql://h/d?password=s3cret&ssl=true").toString().contains("s3cret"));
    for (String bad : List.of("mysql://app:s3cret@h/d", "postgres://app:s3cret@h/d with space", "s3cret")) {
      var e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(bad));
      assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
      assertTrue(e.getMessage().startsWith("DATABASE_URL"), e.getMessage());
    }
  }

  @Test
  void a_query_limit_is_between_one_and_a_hundred_and_cursors_must_be_ours() {
    assertThrows(IllegalArgumentException.class, () -> ExecutionQuery.newest(0));
    assertThrows(IllegalArgumentException.class, () -> ExecutionQuery.newest(101));
    assertThrows(IllegalArgumentException.class, () -> ExecutionQuery.newest(10).withCursor("not a cursor"));
    String next = new ExecutionQuery.Cursor(1234L, "abc").encode();
    assertEquals(new ExecutionQuery.Cursor(1234L, "abc"), ExecutionQuery.Cursor.decode(next));
  }

  @Test
  void a_completion_is_terminal_and_keeps_at_most_2000_characters_of_summary() {
    assertThrows(IllegalArgumentException.class,
        () -> Completion.failed(ExecutionStatus.RUNNING, Instant.EPOCH, "X", "y"));
    var long_ = new Completion(ExecutionStatus.SUCCEEDED, Instant.EPOCH, null, null, null, null, null, null,
        "x".repeat(5000), null, null, null, null);
    assertEquals(Completion.SUMMARY_CHARS, long_.resultSummary().length());
  }

  @Test
  void only_finished_statuses_are_terminal_and_names_round_trip() {
    for (var status : ExecutionStatus.values()) {
      assertEquals(status != ExecutionStatus.QUEUED && status != ExecutionStatus.RUNNING, status.isTerminal());
      assertEquals(status, ExecutionStatus.fromWire(status.wire()));
    }
    assertEquals("timed_out", ExecutionStatus.TIMED_OUT.wire());
  }
}
