package dev.hookline.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.spi.WebhookWatcher;
import dev.hookline.store.jdbc.internal.WebhookChangeFeed;
import dev.hookline.testing.Poll;
import dev.hookline.testing.jdbc.SimpleConnectionPool;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A feed closed while it waits for a connection (a pool exhausted, a database slow to accept) for
 * longer than {@code close()} waits for it tells its watcher nothing once it gets one: the watcher
 * may be gone by then.
 */
class ChangeFeedCloseTest {

  @Test
  void aFeedClosedWhileWaitingForAConnectionCallsNothingAfterClose() throws Exception {
    CountDownLatch borrowing = new CountDownLatch(1);
    CountDownLatch lend = new CountDownLatch(1);
    AtomicBoolean returned = new AtomicBoolean();
    AtomicInteger calls = new AtomicInteger();
    WebhookWatcher watcher =
        new WebhookWatcher() {
          @Override
          public void changed(String webhookId) {
            calls.incrementAndGet();
          }

          @Override
          public void resync() {
            calls.incrementAndGet();
          }

          @Override
          public void deliveriesQueued() {
            calls.incrementAndGet();
          }
        };
    try (SimpleConnectionPool pool = SimpleConnectionPool.of(EmbeddedDb.dataSource(), 1)) {
      // A pool that lends its connection only when the test says so, and tells when it is back.
      DataSource slow =
          (DataSource)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {DataSource.class},
                  (proxy, method, args) -> {
                    if (!method.getName().equals("getConnection")) {
                      return invoke(method, pool, args);
                    }
                    borrowing.countDown();
                    assertTrue(lend.await(30, TimeUnit.SECONDS));
                    Connection real = (Connection) invoke(method, pool, args);
                    return Proxy.newProxyInstance(
                        getClass().getClassLoader(),
                        new Class<?>[] {Connection.class},
                        (p, m, a) -> {
                          Object result = invoke(m, real, a);
                          if (m.getName().equals("close")) {
                            returned.set(true);
                          }
                          return result;
                        });
                  });
      WebhookChangeFeed feed =
          WebhookChangeFeed.start(slow, WebhookChangeFeed.channel("close_waiting"), watcher);
      assertTrue(borrowing.await(10, TimeUnit.SECONDS), "the feed asks for a connection");
      feed.close(); // gives up waiting for the feed's thread after 5 s
      lend.countDown();
      Poll.until(Duration.ofSeconds(10), returned::get, "the feed gives its connection back");
      assertEquals(0, calls.get(), "the watcher was called after close() returned");
    }
  }

  private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args)
      throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
