package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import org.jspecify.annotations.Nullable;

/** {@code exists(data.x)}: the event has a value at the path (JSON null counts as a value). */
public final class Exists extends Node {
  private final FieldPath path;

  private Exists(FieldPath path) {
    this.path = path;
  }

  /** Builds the condition. */
  public static Exists of(FieldPath path) {
    return new Exists(path);
  }

  public FieldPath path() {
    return path;
  }

  @Override
  public boolean test(Event event) {
    return switch (path.root()) {
      case TYPE, USER_ID, OCCURRED_AT -> true;
      case APP_ID -> event.subject().appId().isPresent();
      case TENANT -> event.subject().tenant().isPresent();
      case DATA -> path.resolve(event) != null;
    };
  }

  @Override
  public int depth() {
    return 1;
  }

  @Override
  int precedence() {
    return PREC_ATOM;
  }

  @Override
  void print(StringBuilder b) {
    b.append("exists(").append(path.text()).append(')');
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putObject(path.text()).put("$exists", true);
    return o;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Exists e && path.equals(e.path);
  }

  @Override
  public int hashCode() {
    return path.hashCode() + 7;
  }
}
