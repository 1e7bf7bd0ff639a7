package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Spring Boot 3 shows every value in /actuator/env and /actuator/configprops once {@code
 * show-values} is {@code always} (or {@code when-authorized}, to an authorized user), sanitizing no
 * key by its name: the starter hides the {@code hookline.secrets.*} keys itself.
 */
class SecretSanitizingTest {
  private static final String PRIMARY = key(7);
  private static final String OLD = key(3);
  private static final String FROM_ENVIRONMENT = key(5);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class,
                  HooklineObservabilityAutoConfiguration.class,
                  EndpointAutoConfiguration.class,
                  EnvironmentEndpointAutoConfiguration.class,
                  ConfigurationPropertiesReportEndpointAutoConfiguration.class))
          .withPropertyValues(
              "management.endpoints.web.exposure.include=env,configprops",
              "management.endpoint.env.show-values=always",
              "management.endpoint.configprops.show-values=always",
              "hookline.secrets.primary-key-id=2026-01",
              "hookline.secrets.primary-key=" + PRIMARY,
              "hookline.secrets.decryption-keys.2025-12=" + OLD)
          .withInitializer(
              context ->
                  context
                      .getEnvironment()
                      .getPropertySources()
                      .addLast(
                          new SystemEnvironmentPropertySource(
                              "testEnvironment",
                              Map.of("HOOKLINE_SECRETS_PRIMARYKEY", FROM_ENVIRONMENT))));

  @Test
  void theKeysAreHiddenInConfigpropsWhileOtherValuesShow() {
    runner.run(
        context -> {
          String shown =
              json(
                  context
                      .getBean(ConfigurationPropertiesReportEndpoint.class)
                      .configurationProperties());
          assertTrue(shown.contains("2026-01"), "values are shown");
          assertTrue(shown.contains("******"), "the keys are sanitized");
          assertHidden(shown);
        });
  }

  @Test
  void theKeysAreHiddenInEnvInEveryFormWhileOtherValuesShow() {
    runner.run(
        context -> {
          String shown = json(context.getBean(EnvironmentEndpoint.class).environment(null));
          assertTrue(shown.contains("2026-01"), "values are shown");
          assertTrue(shown.contains("HOOKLINE_SECRETS_PRIMARYKEY"), "the variable is listed");
          assertHidden(shown);
        });
  }

  @Test
  void onlyKeyMaterialIsSecret() {
    for (String secret :
        new String[] {
          "hookline.secrets.primary-key",
          "hookline.secrets.primaryKey",
          "HOOKLINE_SECRETS_PRIMARYKEY",
          "hookline.secrets.decryption-keys.2025-12",
          "hookline.secrets.decryption-keys[2025-12]",
          "hookline.secrets.decryptionKeys.Prod"
        }) {
      assertTrue(SecretProperties.isSecret(secret), secret);
    }
    for (String shown :
        new String[] {
          "hookline.secrets.primary-key-id", "hookline.store.schema", "spring.datasource.url"
        }) {
      assertFalse(SecretProperties.isSecret(shown), shown);
    }
  }

  private static void assertHidden(String shown) {
    assertFalse(shown.contains(PRIMARY), "hookline.secrets.primary-key shows");
    assertFalse(shown.contains(OLD), "hookline.secrets.decryption-keys.2025-12 shows");
    assertFalse(shown.contains(FROM_ENVIRONMENT), "HOOKLINE_SECRETS_PRIMARYKEY shows");
  }

  private static String json(Object descriptor) throws Exception {
    return new ObjectMapper().writeValueAsString(descriptor);
  }

  private static String key(int fill) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) fill);
    return Base64.getEncoder().encodeToString(b);
  }
}
