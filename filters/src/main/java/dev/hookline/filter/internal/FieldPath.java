package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.hookline.Event;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a filter reads a value: {@code type}, {@code subject.user_id}, {@code subject.app_id},
 * {@code subject.tenant}, {@code occurred_at}, or a path into {@code data} made of object keys and
 * array indexes ({@code data.items[0].name}, {@code data["first-name"]}). Immutable.
 */
public final class FieldPath {
  /** The part of the event a path starts from. */
  public enum Root {
    TYPE("type"),
    USER_ID("subject.user_id"),
    APP_ID("subject.app_id"),
    TENANT("subject.tenant"),
    OCCURRED_AT("occurred_at"),
    DATA("data");

    private final String text;

    Root(String text) {
      this.text = text;
    }

    /** The name as written in filters. */
    public String text() {
      return text;
    }
  }

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Root root;
  private final List<Object> segments;

  private FieldPath(Root root, List<Object> segments) {
    this.root = root;
    this.segments = segments;
  }

  /** A path without segments ({@code type}, {@code subject.app_id}, ...); not {@code DATA}. */
  public static FieldPath of(Root root) {
    if (root == Root.DATA) {
      throw Problem.of("a data path needs at least one key, such as data.email");
    }
    return new FieldPath(root, List.of());
  }

  /**
   * A path into the event data.
   *
   * @param segments {@link String} keys and {@link Integer} indexes
   */
  public static FieldPath data(List<Object> segments) {
    if (segments.isEmpty()) {
      throw Problem.of("a data path needs at least one key, such as data.email");
    }
    if (segments.size() > Limits.MAX_PATH_SEGMENTS) {
      throw Problem.of(
          "data path has "
              + segments.size()
              + " segments; at most "
              + Limits.MAX_PATH_SEGMENTS
              + " allowed");
    }
    for (Object s : segments) {
      if (s instanceof Integer i) {
        if (i < 0 || i > Limits.MAX_ARRAY_INDEX) {
          throw Problem.of(
              "array index " + i + " is out of range; 0 to " + Limits.MAX_ARRAY_INDEX + " allowed");
        }
      } else if (s instanceof String k) {
        if (k.isEmpty() || k.length() > 256) {
          throw Problem.of("a data key must be 1 to 256 characters long");
        }
      } else {
        throw new IllegalArgumentException("segment " + s);
      }
    }
    return new FieldPath(Root.DATA, List.copyOf(segments));
  }

  /** Parses a path such as {@code data.items[0].name}. */
  public static FieldPath parse(String text) {
    return Parser.parsePath(text);
  }

  public Root root() {
    return root;
  }

  /** Keys ({@link String}) and indexes ({@link Integer}) after {@code data}; empty otherwise. */
  public List<Object> segments() {
    return segments;
  }

  /**
   * Reads a subject or data value; null when the event has no such value. Not for {@code type} or
   * {@code occurred_at}.
   */
  @Nullable JsonNode resolve(Event event) {
    if (root != Root.DATA) {
      return switch (root) {
        case USER_ID -> TextNode.valueOf(event.subject().userId());
        case APP_ID -> text(event.subject().appId());
        case TENANT -> text(event.subject().tenant());
        case TYPE -> TextNode.valueOf(event.type().wireName());
        default -> TextNode.valueOf(event.occurredAt().toString());
      };
    }
    JsonNode node = event.data();
    for (Object s : segments) {
      JsonNode next;
      if (s instanceof String k) {
        next = node.isObject() ? node.get(k) : null;
      } else {
        next = node.isArray() ? node.get((Integer) s) : null;
      }
      if (next == null) {
        return null;
      }
      node = next;
    }
    return node;
  }

  private static @Nullable JsonNode text(Optional<String> value) {
    return value.isPresent() ? TextNode.valueOf(value.get()) : null;
  }

  /** The canonical text: {@code data.items[0].name}, {@code data["first-name"]}. */
  public String text() {
    if (root != Root.DATA) {
      return root.text();
    }
    StringBuilder b = new StringBuilder("data");
    for (Object s : segments) {
      if (s instanceof Integer i) {
        b.append('[').append(i).append(']');
      } else {
        String k = (String) s;
        if (IDENTIFIER.matcher(k).matches()) {
          b.append('.').append(k);
        } else {
          b.append('[');
          Literal.quoteTo(b, k);
          b.append(']');
        }
      }
    }
    return b.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof FieldPath p && root == p.root && segments.equals(p.segments);
  }

  @Override
  public int hashCode() {
    return root.hashCode() * 31 + segments.hashCode();
  }

  @Override
  public String toString() {
    return text();
  }
}
