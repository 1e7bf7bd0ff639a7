package dev.hookline.store.jdbc;

import static dev.hookline.store.jdbc.Fixtures.T0;
import static dev.hookline.store.jdbc.Fixtures.ok;
import static dev.hookline.store.jdbc.Fixtures.pending;
import static dev.hookline.store.jdbc.Fixtures.webhook;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hookline.DeliveryState;
import dev.hookline.spi.ClaimRequest;
import dev.hookline.spi.ClaimedDelivery;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The store bounds how long it waits for an answer through {@link Connection#setNetworkTimeout}; a
 * pool's connection wrapper that does not support it must still work, as it did before.
 */
class NetworkTimeoutUnsupportedTest {
  private static final String SCHEMA = "no_network_timeout";

  @Test
  void aConnectionWithoutNetworkTimeoutsStillServesTheStore() {
    DataSource real = EmbeddedDb.dataSource();
    DataSource wrapped =
        (DataSource)
            Proxy.newProxyInstance(
                DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                  Object result = invoke(real, method, args);
                  return method.getName().equals("getConnection")
                      ? withoutNetworkTimeout((Connection) result)
                      : result;
                });
    EmbeddedDb.dropSchema(real, SCHEMA);
    try {
      PostgresStore store = EmbeddedDb.store(wrapped, SCHEMA);
      store.insertWebhook(webhook("wh_1", T0));
      store.enqueue(List.of(pending("dlv_1", "wh_1", "evt_1", T0)));
      List<ClaimedDelivery> claimed =
          store.claim(ClaimRequest.of("worker", T0, Duration.ofMinutes(5), 10));
      assertEquals(1, claimed.size());
      store.complete(claimed.get(0).lease(), ok(1, T0), T0);
      assertEquals(DeliveryState.SUCCEEDED, store.findDelivery("dlv_1").orElseThrow().state());
      assertEquals(1, store.purge(T0.plusSeconds(60), 10));
    } finally {
      EmbeddedDb.dropSchema(real, SCHEMA);
    }
  }

  private static Connection withoutNetworkTimeout(Connection c) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().endsWith("NetworkTimeout")) {
                throw new SQLFeatureNotSupportedException("not by this wrapper");
              }
              return invoke(c, method, args);
            });
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
