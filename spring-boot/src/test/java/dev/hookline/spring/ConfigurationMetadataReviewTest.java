package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.json.JsonParserFactory;

/**
 * Review r119: the README says "the starter's jar carries {@code
 * spring-configuration-metadata.json}, so IDEs complete and document these properties", and
 * documents {@code management.health.hookline.enabled} (turn the health indicator off). The
 * metadata was made from {@link HooklineProperties} alone, which that property is not part of
 * (Actuator reads it through {@code @ConditionalOnEnabledHealthIndicator}), and Actuator's own
 * metadata lists only its own indicators: an IDE flagged the documented property as unknown and
 * offered no description.
 */
class ConfigurationMetadataReviewTest {
  private static final String HEALTH_ENABLED = "management.health.hookline.enabled";

  @Test
  void everyPropertyTheReadmeDocumentsIsInTheStartersMetadata() throws Exception {
    Map<String, Map<String, Object>> metadata = starterMetadata();
    List<String> documented = documentedProperties();
    assertTrue(documented.contains("hookline.dispatcher.workers"), "the table was read");
    assertTrue(documented.contains(HEALTH_ENABLED), "the README documents " + HEALTH_ENABLED);
    List<String> missing = new ArrayList<>();
    for (String p : documented) {
      if (!metadata.containsKey(p)) {
        missing.add(p);
      }
    }
    assertEquals(List.of(), missing, "documented properties without metadata");
  }

  @Test
  void theHealthIndicatorSwitchIsDescribedAsABooleanOnByDefault() throws Exception {
    Map<String, Object> entry = starterMetadata().get(HEALTH_ENABLED);
    assertTrue(entry != null, HEALTH_ENABLED + " has metadata");
    assertEquals("java.lang.Boolean", entry.get("type"));
    assertEquals(true, entry.get("defaultValue"));
    assertTrue(
        String.valueOf(entry.get("description")).contains("hookline"),
        "described: " + entry.get("description"));
  }

  /** The properties of the starter's own metadata (not Spring Boot's), by name. */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> starterMetadata()
      throws IOException, URISyntaxException {
    Path classes =
        Path.of(
            HooklineProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String json =
        Files.readString(
            classes.resolve("META-INF/spring-configuration-metadata.json"), StandardCharsets.UTF_8);
    Map<String, Object> root = JsonParserFactory.getJsonParser().parseMap(json);
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    for (Object p : (List<Object>) root.get("properties")) {
      Map<String, Object> property = (Map<String, Object>) p;
      byName.put((String) property.get("name"), property);
    }
    return byName;
  }

  /**
   * The properties the README documents: its property table's first column, and the health
   * indicator's switch it names in the text.
   */
  private static List<String> documentedProperties() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    Matcher row =
        Pattern.compile("(?m)^\\| `(hookline\\.[a-z0-9.-]+?)(?:\\.<id>)?` \\|").matcher(readme);
    while (row.find()) {
      out.add(row.group(1));
    }
    if (readme.contains("`" + HEALTH_ENABLED)) {
      out.add(HEALTH_ENABLED);
    }
    return out;
  }
}
