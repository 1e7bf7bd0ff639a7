package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Review r111: the usual Spring way to take a secret from the environment is a placeholder, {@code
 * hookline.secrets.primary-key=${APP_AES_KEY}} in {@code application.yml} and the key in a variable
 * (a Kubernetes secret) of the application's own naming. {@code /actuator/env} with {@code
 * show-values=always} (or {@code when-authorized}) hid {@code hookline.secrets.primary-key} itself
 * but showed {@code APP_AES_KEY} with the AES key in clear, as it did every variable, argument or
 * value holding a key under a name that does not say {@code hookline.secrets}.
 */
class KeyByPlaceholderReviewTest {
  private static final String PRIMARY = key(11);
  private static final String OLD = key(12);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HooklineAutoConfiguration.class,
                  HooklineObservabilityAutoConfiguration.class,
                  EndpointAutoConfiguration.class,
                  EnvironmentEndpointAutoConfiguration.class))
          .withPropertyValues(
              "management.endpoints.web.exposure.include=env",
              "management.endpoint.env.show-values=always",
              "hookline.secrets.primary-key-id=2026-01",
              "hookline.secrets.primary-key=${APP_AES_KEY}",
              "hookline.secrets.decryption-keys.2025-12=${APP_OLD_AES_KEY}")
          .withInitializer(
              context ->
                  context
                      .getEnvironment()
                      .getPropertySources()
                      .addLast(
                          new SystemEnvironmentPropertySource(
                              "testEnvironment",
                              Map.of(
                                  "APP_AES_KEY",
                                  PRIMARY,
                                  // as a secret mounted or echoed into a variable often is
                                  "APP_OLD_AES_KEY",
                                  OLD + "\n",
                                  "JAVA_TOOL_OPTIONS",
                                  "-Dapp.aes-key=" + PRIMARY + " -Xmx512m",
                                  "OTHER_VARIABLE",
                                  "shown_value"))));

  @Test
  void keysReachedThroughPlaceholdersAreHiddenWhereverTheyAreListed() {
    runner.run(
        context -> {
          EnvironmentEndpoint env = context.getBean(EnvironmentEndpoint.class);
          String shown = new ObjectMapper().writeValueAsString(env.environment(null));
          assertTrue(shown.contains("shown_value"), "values are shown");
          assertTrue(shown.contains("2026-01"), "the key id is shown");
          assertTrue(shown.contains("APP_AES_KEY"), "the variable is listed");
          assertFalse(shown.contains(PRIMARY), "the primary key shows in APP_AES_KEY");
          assertFalse(shown.contains(OLD), "the decryption key shows in APP_OLD_AES_KEY");

          String entry = new ObjectMapper().writeValueAsString(env.environmentEntry("APP_AES_KEY"));
          assertFalse(entry.contains(PRIMARY), "/actuator/env/APP_AES_KEY shows the key");
        });
  }

  /** A value too short to be a key (an in-memory application may set anything) hides nothing. */
  @Test
  void aValueTooShortToBeAKeyDoesNotHideOtherValues() {
    runner
        .withPropertyValues("hookline.secrets.primary-key=shown")
        .run(
            context -> {
              String shown =
                  new ObjectMapper()
                      .writeValueAsString(
                          context.getBean(EnvironmentEndpoint.class).environment(null));
              assertTrue(shown.contains("shown_value"), "a value holding it is still shown");
            });
  }

  private static String key(int fill) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) fill);
    return Base64.getEncoder().encodeToString(b);
  }
}
