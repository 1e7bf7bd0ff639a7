package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * docs/notification.schema.json, loaded with a JSON Schema (draft 2020-12) validator that also
 * asserts formats ({@code date-time}), for checking the bodies listeners really received.
 */
final class NotificationSchema {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Schema SCHEMA = load();

  private NotificationSchema() {}

  private static Schema load() {
    Path file = Path.of("..", "docs", "notification.schema.json"); // tests run in examples/
    if (!Files.exists(file)) {
      file = Path.of("docs", "notification.schema.json");
    }
    try {
      String text = Files.readString(file);
      SchemaRegistry registry =
          SchemaRegistry.withDefaultDialect(
              SpecificationVersion.DRAFT_2020_12,
              b ->
                  b.schemaRegistryConfig(
                      SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
      return registry.getSchema(JSON.readTree(text));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
    }
  }

  /** The schema's complaints about a body; empty if it is valid. */
  static List<String> problems(String body) {
    try {
      return SCHEMA.validate(JSON.readTree(body)).stream().map(Error::toString).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fails unless every body is valid; returns how many were checked. */
  static int assertAllValid(List<String> bodies) {
    assertTrue(!bodies.isEmpty(), "no notification was captured");
    for (String body : bodies) {
      assertEquals(List.of(), problems(body), body);
    }
    return bodies.size();
  }
}
