package dev.hookline.admin;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * One embedded PostgreSQL for the whole test JVM, started on first use and stopped at exit (as
 * store-jdbc's tests share theirs). Starting a server per test class took 2 to 5 s each (initdb and
 * start), 13 times per JDK in this module. Each class works in schemas of its own names and changes
 * nothing outside them, so sharing the server changes no test; classes must not stop it.
 */
public final class SharedPostgres {
  private static @Nullable EmbeddedPostgres instance;

  private SharedPostgres() {}

  /**
   * Returns a new non-pooled DataSource for the shared server's {@code postgres} database, starting
   * the server on first use.
   *
   * @return the DataSource
   */
  public static DataSource database() {
    return server().getPostgresDatabase();
  }

  private static synchronized EmbeddedPostgres server() {
    EmbeddedPostgres pg = instance;
    if (pg == null) {
      try {
        pg = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded PostgreSQL did not start", e);
      }
      EmbeddedPostgres started = pg;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException e) {
                      // the JVM is exiting; the temporary data directory is removed regardless
                    }
                  },
                  "shared-postgres-stop"));
      instance = pg;
    }
    return pg;
  }
}
