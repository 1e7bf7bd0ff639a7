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
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Review r97: the starter tells users to give decryption keys in {@code SPRING_APPLICATION_JSON}
 * (its failure analysis at startup, the README's property table: environment variable names lose
 * the key id's case), and Spring Boot binds them from there; but {@code /actuator/env} lists the
 * variable itself too, and with {@code show-values=always} (or {@code when-authorized}) it showed
 * the JSON, keys and all, since {@code hooklineSanitizingFunction} looked at property names only. A
 * key passed on the command line ({@code --hookline.secrets.primary-key=...}) likewise showed in
 * the {@code sun.java.command} system property.
 */
class KeyCopiesInEnvReviewTest {
  private static final String PRIMARY = key(9);
  private static final String OLD = key(4);

  @Test
  void keysInSpringApplicationJsonOrOnTheCommandLineAreHidden() {
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
            "hookline.store.schema=shown_schema")
        .withInitializer(
            context -> {
              var sources = context.getEnvironment().getPropertySources();
              sources.addLast(
                  new MapPropertySource(
                      "testSystemProperties",
                      Map.of(
                          "sun.java.command",
                          "app.jar --hookline.secrets.primary-key-id=2026-01"
                              + " --hookline.secrets.primary-key="
                              + PRIMARY)));
              sources.addLast(
                  new SystemEnvironmentPropertySource(
                      "testEnvironment",
                      Map.of(
                          "SPRING_APPLICATION_JSON",
                          "{\"hookline\":{\"secrets\":{\"decryption-keys\":{\"Prod-2025\":\""
                              + OLD
                              + "\"}}}}",
                          "OTHER_VARIABLE",
                          "shown_value")));
            })
        .run(
            context -> {
              String shown =
                  new ObjectMapper()
                      .writeValueAsString(
                          context.getBean(EnvironmentEndpoint.class).environment(null));
              assertTrue(shown.contains("shown_value"), "values are shown");
              assertTrue(shown.contains("SPRING_APPLICATION_JSON"), "the variable is listed");
              assertFalse(
                  shown.contains(OLD), "the decryption key shows in SPRING_APPLICATION_JSON");
              assertFalse(shown.contains(PRIMARY), "the primary key shows in sun.java.command");
            });
  }

  private static String key(int fill) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) fill);
    return Base64.getEncoder().encodeToString(b);
  }
}
