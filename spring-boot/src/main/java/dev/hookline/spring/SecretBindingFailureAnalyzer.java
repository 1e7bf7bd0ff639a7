package dev.hookline.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a {@code hookline.secrets.*} value that Spring Boot could not bind without showing it:
 * Boot's own analysis prints the value ({@code Value: "..."}), which here is key material (a
 * decryption key given as one value, {@code HOOKLINE_SECRETS_DECRYPTIONKEYS=<key>}, rather than by
 * key id). Consulted before Boot's analyzer; other binding failures are left to it.
 *
 * <p>Thread-safe: stateless.
 */
final class SecretBindingFailureAnalyzer extends AbstractFailureAnalyzer<BindException>
    implements Ordered {
  SecretBindingFailureAnalyzer() {}

  @Override
  protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
    ConfigurationProperty property = cause.getProperty();
    String name = property != null ? property.getName().toString() : cause.getName().toString();
    if (!SecretProperties.mayHoldSecret(name)
        && !SecretProperties.mayHoldSecret(cause.getName().toString())) {
      return null;
    }
    StringBuilder description =
        new StringBuilder("Failed to bind properties under '")
            .append(cause.getName())
            .append("' to ")
            .append(cause.getTarget().getType())
            .append(":\n\n    Property: ")
            .append(name)
            .append("\n    Value: (hidden: it may be key material)");
    if (property != null && property.getOrigin() != null) {
      description.append("\n    Origin: ").append(property.getOrigin());
    }
    // The cause's message may quote the value ("for value [...]"): its class says enough.
    Throwable reason = cause.getCause();
    description
        .append("\n    Reason: ")
        .append(reason == null ? "unknown" : reason.getClass().getName());
    return new FailureAnalysis(
        description.toString(),
        "Set hookline.secrets.primary-key-id and hookline.secrets.primary-key to one key id and"
            + " its base64 key, and each former key as hookline.secrets.decryption-keys.<key id>"
            + " in a properties or YAML file, SPRING_APPLICATION_JSON or a config tree (not in an"
            + " environment variable's name, which Spring Boot lower-cases and reads '_' as '.',"
            + " so the key id would change), or define a SecretCipher bean",
        cause);
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE; // before Boot's BindFailureAnalyzer, which shows values
  }
}
