package dev.hookline.spring;

/**
 * Which {@code hookline.*} property names carry key material, however the name is written: {@code
 * hookline.secrets.primary-key}, {@code hookline.secrets.primaryKey}, {@code
 * HOOKLINE_SECRETS_PRIMARYKEY}, and every {@code hookline.secrets.decryption-keys.<id>}.
 *
 * <p>Thread-safe: stateless.
 */
final class SecretProperties {
  private static final String PRIMARY_KEY = "hooklinesecretsprimarykey";
  private static final String DECRYPTION_KEYS = "hooklinesecretsdecryptionkeys";

  private SecretProperties() {}

  /**
   * Whether the property's value is key material.
   *
   * @param name a property name in any of Spring Boot's forms (dashed, camel case, environment
   *     variable, indexed)
   * @return true for the primary key and the decryption keys; false for their ids and the rest
   */
  static boolean isSecret(String name) {
    // Spring Boot binds all these forms to one property: compare without case or separators.
    StringBuilder letters = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = Character.toLowerCase(name.charAt(i));
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        letters.append(c);
      }
    }
    String n = letters.toString();
    return n.equals(PRIMARY_KEY) || n.startsWith(DECRYPTION_KEYS);
  }
}
