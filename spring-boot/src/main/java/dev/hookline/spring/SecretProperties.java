package dev.hookline.spring;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

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
  private static final String SECRETS = "hooklinesecrets";

  /** Below this a value is no key: base64 of 16 bytes, the shortest AES key, is 22 or 24. */
  private static final int MIN_KEY_CHARS = 16;

  private SecretProperties() {}

  /**
   * Whether the property's value is key material.
   *
   * @param name a property name in any of Spring Boot's forms (dashed, camel case, environment
   *     variable, indexed)
   * @return true for the primary key and the decryption keys; false for their ids and the rest
   */
  static boolean isSecret(String name) {
    String n = letters(name);
    return n.equals(PRIMARY_KEY) || n.startsWith(DECRYPTION_KEYS);
  }

  /**
   * Whether a value bound at this name may be key material: a key's own property, or {@code
   * hookline.secrets} itself (a value given there holds whatever was meant for its keys).
   *
   * @param name a property name in any of Spring Boot's forms
   * @return true for the keys and for {@code hookline.secrets}
   */
  static boolean mayHoldSecret(String name) {
    return isSecret(name) || letters(name).equals(SECRETS);
  }

  /**
   * Whether a value, whatever its property's name, may hold a copy of key material: text that sets
   * {@code hookline.secrets.primary-key} or a decryption key, as {@code SPRING_APPLICATION_JSON}
   * does (flat or nested JSON) or a command line in {@code sun.java.command} ({@code
   * --hookline.secrets.primary-key=...}). Errs on the side of hiding: a value that names only the
   * key id is hidden too.
   *
   * @param value a property's value
   * @return true if it mentions hookline's secrets and a key among them
   */
  static boolean mayCopyKeys(@Nullable Object value) {
    if (!(value instanceof CharSequence text)) {
      return false;
    }
    String n = letters(text.toString());
    return n.contains("hookline")
        && n.contains("secrets")
        && (n.contains("primarykey") || n.contains("decryptionkeys"));
  }

  /**
   * Whether a value, whatever its property's name, holds one of the keys as bound: a variable that
   * {@code hookline.secrets.primary-key=${APP_AES_KEY}} reads, or a command line or option list
   * that carries the key under a name of the application's own.
   *
   * @param value a property's value
   * @param secrets the bound {@code hookline.secrets.*} properties, or null if there are none
   * @return true if the value contains the primary key or a decryption key
   */
  static boolean holdsKey(@Nullable Object value, HooklineProperties.@Nullable Secrets secrets) {
    if (!(value instanceof CharSequence text) || secrets == null) {
      return false;
    }
    String s = text.toString();
    for (String key : keys(secrets)) {
      if (s.contains(key)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bound keys, stripped as the cipher reads them; without values too short to be a key (base64
   * of 16 bytes is 22 characters or more), which an in-memory application may leave set to anything
   * and which would hide unrelated values.
   */
  private static List<String> keys(HooklineProperties.Secrets secrets) {
    List<String> keys = new ArrayList<>();
    addKey(keys, secrets.getPrimaryKey());
    for (String key : secrets.getDecryptionKeys().values()) {
      addKey(keys, key);
    }
    return keys;
  }

  private static void addKey(List<String> keys, @Nullable String key) {
    if (key != null && key.strip().length() >= MIN_KEY_CHARS) {
      keys.add(key.strip());
    }
  }

  /** Spring Boot binds all these forms to one property: compare without case or separators. */
  private static String letters(String name) {
    StringBuilder letters = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = Character.toLowerCase(name.charAt(i));
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        letters.append(c);
      }
    }
    return letters.toString();
  }
}
