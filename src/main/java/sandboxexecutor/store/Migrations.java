package sandboxexecutor.store;

import java.util.Arrays;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

/**
 * Applies the versioned scripts under {@code db/store} ({@code V<n>__name.sql}, portable SQL run unchanged on
 * SQLite and PostgreSQL) with Flyway, recording them in {@code schema_version}. Each script runs in its own
 * transaction and applied scripts are checksum-verified, so an edited migration fails start-up.
 */
final class Migrations {
  static final String LOCATION = "classpath:db/store";
  static final String TABLE = "schema_version";

  private Migrations() {}

  static void apply(DataSource dataSource, DatabaseUrl url) {
    Flyway flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations(LOCATION)
        .table(TABLE)
        .failOnMissingLocations(true)
        .load();
    try {
      refuseNewerSchema(flyway, url);
      flyway.migrate();
    } catch (FlywayException e) {
      throw new StoreException("migrating the execution store at " + url + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Flyway ignores applied versions it does not know by default; a schema written by a newer build may no
   * longer match what this code reads and writes, so refuse to start instead of corrupting data.
   */
  private static void refuseNewerSchema(Flyway flyway, DatabaseUrl url) {
    var info = flyway.info();
    var future = Arrays.stream(info.applied())
        .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
        .map(MigrationInfo::getVersion)
        .toList();
    if (!future.isEmpty()) {
      String known = Arrays.stream(info.all()).filter(m -> m.getState() != MigrationState.FUTURE_SUCCESS
          && m.getState() != MigrationState.FUTURE_FAILED).reduce((a, b) -> b).map(m -> m.getVersion().toString())
          .orElse("none");
      throw new StoreException("the execution store at " + url + " has schema version " + future.getLast()
          + " but this build only knows up to " + known + ": run a newer build or point DATABASE_URL elsewhere", null);
    }
  }
}
