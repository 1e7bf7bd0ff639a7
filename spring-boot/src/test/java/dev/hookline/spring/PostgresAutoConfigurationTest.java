package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.admin.AdminApi;
import dev.hookline.admin.AdminRequest;
import dev.hookline.admin.AdminResponse;
import dev.hookline.admin.Scope;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.PostgresAdminStore;
import dev.hookline.spi.SecretCipher;
import dev.hookline.spi.Store;
import dev.hookline.store.AesGcmSecretCipher;
import dev.hookline.store.jdbc.PostgresStore;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The PostgreSQL store chosen for a DataSource, on the tests' shared embedded PostgreSQL. */
class PostgresAutoConfigurationTest {
  private static final String KEY = Base64.getEncoder().encodeToString(filled(32, 7));

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HooklineAutoConfiguration.class))
          .withBean(DataSource.class, EmbeddedDb::pool);

  @Test
  void aDataSourceGivesThePostgresStoreInTheConfiguredSchemaAndWebhooksSurviveTheContext() {
    ApplicationContextRunner configured =
        runner.withPropertyValues(
            "hookline.store.schema=hookline_spring",
            "hookline.secrets.primary-key-id=2026-01",
            "hookline.secrets.primary-key=" + KEY,
            "hookline.secrets.decryption-keys.2025-12="
                + Base64.getEncoder().encodeToString(filled(16, 3)));
    String[] id = new String[1];
    configured.run(
        context -> {
          PostgresStore store = assertInstanceOf(PostgresStore.class, context.getBean(Store.class));
          assertEquals("hookline_spring", store.schema());
          id[0] =
              Webhooks.receiving(context.getBean(WebhookRegistry.class), "https://example.com/h")
                  .id();
        });
    configured.run(
        context ->
            assertTrue(context.getBean(WebhookRegistry.class).get(id[0]).isPresent(), id[0]));
  }

  @Test
  void aMissingKeyFailsStartupNamingTheProperties() {
    runner.run(
        context -> {
          IllegalStateException e =
              HooklineAutoConfigurationTest.cause(
                  context.getStartupFailure(), IllegalStateException.class);
          assertTrue(
              e.getMessage()
                  .contains("hookline.secrets.primary-key-id and hookline.secrets.primary-key"),
              e.getMessage());
          assertTrue(e.getMessage().contains("SecretCipher bean"), e.getMessage());
        });
    runner
        .withPropertyValues("hookline.secrets.primary-key-id=2026-01")
        .run(
            context -> {
              IllegalStateException e =
                  HooklineAutoConfigurationTest.cause(
                      context.getStartupFailure(), IllegalStateException.class);
              assertTrue(
                  e.getMessage().contains("set hookline.secrets.primary-key ("), e.getMessage());
            });
  }

  @Test
  void aKeyOfTheWrongLengthFailsStartupNamingThePropertyWithoutShowingTheKey() {
    String shortKey = Base64.getEncoder().encodeToString(filled(10, 9));
    runner
        .withPropertyValues(
            "hookline.secrets.primary-key-id=2026-01", "hookline.secrets.primary-key=" + shortKey)
        .run(
            context -> {
              IllegalArgumentException e =
                  HooklineAutoConfigurationTest.cause(
                      context.getStartupFailure(), IllegalArgumentException.class);
              assertEquals(
                  "hookline.secrets.primary-key is 10 bytes once base64-decoded; AES-GCM needs 16,"
                      + " 24 or 32 bytes (AES-128, -192 or -256)",
                  e.getMessage());
              assertFalse(String.valueOf(context.getStartupFailure()).contains(shortKey));
            });
    runner
        .withPropertyValues(
            "hookline.secrets.primary-key-id=2026-01", "hookline.secrets.primary-key=not*base64")
        .run(
            context -> {
              IllegalArgumentException e =
                  HooklineAutoConfigurationTest.cause(
                      context.getStartupFailure(), IllegalArgumentException.class);
              assertTrue(
                  e.getMessage().startsWith("hookline.secrets.primary-key is not valid base64"));
            });
    runner
        .withPropertyValues(
            "hookline.secrets.primary-key-id=bad id!", "hookline.secrets.primary-key=" + KEY)
        .run(
            context -> {
              IllegalArgumentException e =
                  HooklineAutoConfigurationTest.cause(
                      context.getStartupFailure(), IllegalArgumentException.class);
              assertTrue(e.getMessage().startsWith("hookline.secrets.primary-key-id: "));
            });
  }

  @Test
  void aMalformedSchemaFailsStartupNamingTheProperty() {
    runner
        .withPropertyValues(
            "hookline.store.schema=Bad-Schema",
            "hookline.secrets.primary-key-id=2026-01",
            "hookline.secrets.primary-key=" + KEY)
        .run(
            context -> {
              InvalidConfigurationPropertyValueException e =
                  HooklineAutoConfigurationTest.cause(
                      context.getStartupFailure(),
                      InvalidConfigurationPropertyValueException.class);
              assertEquals("hookline.store.schema", e.getName());
            });
  }

  @Test
  void theApplicationsSecretCipherWinsOverTheProperties() {
    SecretCipher own = AesGcmSecretCipher.builder().primaryKey("own", filled(32, 1)).build();
    runner
        .withPropertyValues("hookline.store.schema=hookline_own_cipher")
        .withBean(SecretCipher.class, () -> own)
        .run(
            context -> {
              assertSame(own, context.getBean(SecretCipher.class));
              assertInstanceOf(PostgresStore.class, context.getBean(Store.class));
            });
  }

  @Test
  void theAdminApiKeepsItsTokensInTheSameSchemaAcrossContexts() {
    WebApplicationContextRunner web =
        new WebApplicationContextRunner()
            .withConfiguration(
                AutoConfigurations.of(
                    HooklineAutoConfiguration.class, HooklineAdminAutoConfiguration.class))
            .withBean(DataSource.class, EmbeddedDb::pool)
            .withPropertyValues(
                "hookline.store.schema=hookline_admin",
                "hookline.secrets.primary-key-id=2026-01",
                "hookline.secrets.primary-key=" + KEY,
                "hookline.admin.enabled=true");
    String[] token = new String[1];
    web.run(
        context -> {
          assertInstanceOf(PostgresAdminStore.class, context.getBean(AdminStore.class));
          token[0] =
              context
                  .getBean(AdminApi.class)
                  .issueToken("ops", Optional.empty(), EnumSet.allOf(Scope.class), Optional.empty())
                  .token()
                  .reveal();
        });
    web.run(
        context -> {
          AdminResponse me =
              context
                  .getBean(AdminApi.class)
                  .handle(
                      AdminRequest.builder("GET", "/hookline/api/v1/me")
                          .header("Authorization", "Bearer " + token[0])
                          .build());
          assertEquals(200, me.status(), me.bodyText());
        });
  }

  private static byte[] filled(int length, int value) {
    byte[] b = new byte[length];
    Arrays.fill(b, (byte) value);
    return b;
  }
}
