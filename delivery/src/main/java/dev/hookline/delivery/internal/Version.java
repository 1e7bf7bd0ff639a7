package dev.hookline.delivery.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The library version, for the {@code User-Agent} header. */
public final class Version {
  private static final String VERSION = load();

  private Version() {}

  /**
   * Returns the version of this build, such as {@code 0.1.0-SNAPSHOT}.
   *
   * @return the version, or {@code unknown} if the build did not record it
   */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown").trim();
      return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
