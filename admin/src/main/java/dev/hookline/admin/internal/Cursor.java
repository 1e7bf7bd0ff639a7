package dev.hookline.admin.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** A keyset position (a time and an id), written as opaque base64url text. */
record Cursor(Instant at, String id) {
  String encode() {
    String raw = at.getEpochSecond() + ":" + at.getNano() + ":" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  static Cursor decode(String text) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      String[] parts = raw.split(":", 3);
      if (parts.length != 3 || parts[2].isEmpty() || AdminService.hasNul(parts[2])) {
        throw invalid();
      }
      Instant at = Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
      if (!AdminService.inRange(at)) {
        throw invalid(); // no page starts there, and the next page's bounds would overflow
      }
      return new Cursor(at, parts[2]);
    } catch (IllegalArgumentException | ArithmeticException | java.time.DateTimeException e) {
      throw invalid();
    }
  }

  static String encodeText(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static String decodeText(String text) {
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
    if (AdminService.hasNul(decoded)) {
      throw invalid(); // no id holds one, and PostgreSQL refuses it in text
    }
    return decoded;
  }

  private static Problem invalid() {
    return Problem.badRequest(
        "cursor", "is not a cursor this API returned", "the next_cursor of the previous page");
  }
}
