package dev.hookline.receiver.set.internal;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a JSON Web Key Set key by key, for a fetched set and a given one alike. Nimbus's {@code
 * JWKSet.parse} refuses the whole set for one key it cannot parse; RFC 7517 section 5 asks to
 * ignore such keys (a {@code kty} not understood, a required member missing, a value out of range),
 * so that a sender adding one does not break every receiver. Each skipped key is named by index and
 * kid, with the parser's reason and no key material. Stateless.
 */
public final class ReadableKeys {
  /** How many skipped keys a message names; a key set of 64 KiB may hold hundreds. */
  private static final int MAX_SKIPPED_SHOWN = 10;

  private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/_-]{20,}=*");

  private ReadableKeys() {}

  /**
   * The keys read and those skipped.
   *
   * @param keys the keys that could be read, as public keys
   * @param skipped one line per key skipped: {@code keys[i] (kid "..."): why}
   */
  public record Read(JWKSet keys, List<String> skipped) {
    /**
     * Copies the lists.
     *
     * @param keys the keys read
     * @param skipped the keys skipped
     */
    public Read {
      skipped = List.copyOf(skipped);
    }

    /**
     * The skipped keys for a message: the first ten, joined by {@code ; }, and how many more.
     *
     * @return the list, or the empty string if none was skipped
     */
    public String listed() {
      return String.join("; ", skipped.subList(0, Math.min(skipped.size(), MAX_SKIPPED_SHOWN)))
          + (skipped.size() > MAX_SKIPPED_SHOWN
              ? "; and " + (skipped.size() - MAX_SKIPPED_SHOWN) + " more"
              : "");
    }
  }

  /**
   * Parses a key set document and reads its keys.
   *
   * @param json the document
   * @return the keys read and those skipped
   * @throws ParseException if it is not a JSON object with a {@code keys} array
   */
  public static Read read(String json) throws ParseException {
    List<Object> entries = JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(json), "keys");
    if (entries == null) {
      throw new ParseException("Missing required \"keys\" member", 0);
    }
    return read(entries);
  }

  /** Reads the {@code keys} array's entries one by one. */
  private static Read read(List<Object> entries) {
    List<JWK> keys = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Object entry = entries.get(i);
      String why;
      if (entry instanceof Map<?, ?> member) {
        try {
          @SuppressWarnings("unchecked") // a JSON object parsed by nimbus: its names are strings
          Map<String, Object> object = (Map<String, Object>) member;
          keys.add(JWK.parse(object));
          continue;
        } catch (ParseException e) {
          why = withoutKeyMaterial(e.getMessage());
        } catch (RuntimeException e) { // one key, whatever its fault, must not fail the set
          why = e.getClass().getSimpleName() + ": " + withoutKeyMaterial(e.getMessage());
        }
      } else {
        why = "not a JSON object";
      }
      skipped.add("keys[" + i + "] (" + keyId(entry) + "): " + why);
    }
    return new Read(new JWKSet(keys).toPublicJWKSet(), skipped);
  }

  /** How a skipped entry is named: its kid, quoted, if it has one. */
  private static String keyId(@Nullable Object entry) {
    if (!(entry instanceof Map<?, ?> member) || member.get("kid") == null) {
      return "no kid";
    }
    return member.get("kid") instanceof String kid
        ? "kid \"" + printable(kid, 64) + "\""
        : "kid not a string";
  }

  /**
   * A parser's message, clipped and printable, with any run of 20 or more base64 characters (a key
   * member's value, should a message quote one) replaced by {@code …}.
   *
   * @param message the message, or null
   * @return the message to show
   */
  public static String withoutKeyMaterial(@Nullable String message) {
    if (message == null || message.isBlank()) {
      return "(no reason given)";
    }
    return printable(BASE64_RUN.matcher(message).replaceAll("…"), 160);
  }

  private static String printable(String s, int max) {
    String clipped = s.length() > max ? s.substring(0, max) + "…" : s;
    StringBuilder b = new StringBuilder();
    clipped.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
    return b.toString();
  }
}
