package dev.hookline.admin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.StoredToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store found a token by its hash by scanning every token, under the store's one
 * lock, on every authenticated (and every refused) request, and on every insert. A tenant token
 * with {@code tokens:admin} may make tokens without limit, so one tenant could slow every tenant's
 * every request: with 20,000 tokens a lookup took about 0.5 ms and inserting them 5.7 s
 * (quadratic). A lookup is a map access now. The bound below is about 50 times what the indexed
 * store needs on a slow machine, and far less than the scan needs.
 */
class InMemoryTokenLookupTest {
  @Test
  void findingATokenByHashDoesNotScanEveryToken() {
    InMemoryAdminStore store = new InMemoryAdminStore();
    int n = 50_000;
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          for (int i = 0; i < n; i++) {
            store.insertToken(token(i));
          }
          for (int i = 0; i < 20_000; i++) {
            store.findTokenByHash(hash(n + i)); // unknown: the worst case of a scan
          }
        });
    assertEquals(Optional.of("tok_" + 123), store.findTokenByHash(hash(123)).map(StoredToken::id));
    assertEquals(Optional.empty(), store.findTokenByHash(hash(n)));
  }

  private static StoredToken token(int i) {
    return new StoredToken(
        "tok_" + i,
        "loop",
        Optional.of("acme"),
        Set.of(Scope.WEBHOOKS_READ),
        hash(i),
        Instant.EPOCH,
        Optional.empty(),
        Optional.empty());
  }

  private static String hash(int i) {
    return String.format("%064x", i);
  }
}
