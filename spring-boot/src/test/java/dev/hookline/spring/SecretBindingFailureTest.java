package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

/**
 * A {@code hookline.secrets.*} value that Spring Boot cannot bind (a decryption key given as one
 * value rather than by key id, as in {@code HOOKLINE_SECRETS_DECRYPTIONKEYS=<key>}) fails startup
 * naming the property, without printing the key: not in the failure analysis, not in a logged
 * exception, not in the exception's messages.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretBindingFailureTest {
  private static final String KEY =
      Base64.getEncoder()
          .encodeToString(
              new byte[] {
                11, 22, 33, 44, 55, 66, 77, 88, 99, 111, 121, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13,
                14, 15, 16, 17, 18, 19, 20, 21, 23
              });

  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(HooklineAutoConfiguration.class)
  static class App {}

  @Test
  void aDecryptionKeyThatCannotBeBoundIsNotPrinted(CapturedOutput output) {
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    RuntimeException e =
        assertThrows(
            RuntimeException.class,
            () -> app.run("--hookline.secrets.decryption-keys=" + KEY).close());
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t).append('\n');
    }
    assertTrue(
        output.getAll().contains("hookline.secrets.decryption-keys"),
        "the failure names the property");
    assertFalse(output.getAll().contains(KEY), "the key is not in the output");
    // Spring Boot lower-cases a map key read from an environment variable's name and reads '_' as
    // '.': HOOKLINE_SECRETS_DECRYPTIONKEYS_PROD binds key id "prod", so the hint must not send
    // anyone there (a value stored under "PROD" would then fail to decrypt).
    assertFalse(
        output.getAll().contains("HOOKLINE_SECRETS_DECRYPTIONKEYS_"),
        "the action does not suggest an environment variable name per key id");
    assertTrue(output.getAll().contains("SPRING_APPLICATION_JSON"), "it says where ids keep case");
    assertEquals(-1, messages.indexOf(KEY), messages::toString);
  }

  @Test
  void anotherPropertyThatCannotBeBoundIsReportedAsSpringBootDoes(CapturedOutput output) {
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    assertThrows(
        RuntimeException.class, () -> app.run("--hookline.dispatcher.workers=many").close());
    assertTrue(output.getAll().contains("Value: \"many\""), "not key material: shown");
  }
}
