package dev.hookline.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hookline.admin.store.InMemoryAdminStore;
import java.net.InetAddress;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A tenant's token must not learn what the host's own DNS says about its internal names. The SSRF
 * guard refuses a webhook URI whose host resolves to a private address, which is right, but the 400
 * it answers quotes the address ("points at a refused address: ... (db.corp.internal ->
 * 10.20.30.40)"): a tenant can map the host's internal network (split-horizon names, which internal
 * services exist and where) one create request at a time, nothing being stored.
 */
class InternalDnsDisclosureTest {

  @Test
  void aRefusedHostsInternalAddressIsNotShownToATenant() {
    try (AdminHarness h =
        new AdminHarness(
            new InMemoryAdminStore(),
            UnaryOperator.identity(),
            r ->
                r.hostResolver(
                    host ->
                        List.of(
                            InetAddress.getByAddress(
                                host,
                                host.equals("db.corp.internal")
                                    ? new byte[] {10, 20, 30, 40}
                                    : new byte[] {127, 0, 0, 1}))),
            b -> {})) {
      String tenant = h.tenantToken("tenant-a");
      Http.Exchange e =
          h.http.post(
              h.webhooks(),
              tenant,
              h.createBody("probe").replace(h.endpointUri, "https://db.corp.internal/hook"));
      assertEquals(400, e.status(), e.body());
      assertFalse(
          e.body().contains("10.20.30.40"),
          "the answer to a tenant names the internal address: " + e.body());
    }
  }
}
