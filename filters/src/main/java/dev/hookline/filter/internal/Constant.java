package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import org.jspecify.annotations.Nullable;

/**
 * {@code true} or {@code false}: a condition that always or never holds, for a catch-all filter
 * ({@code true}) or one that pauses a webhook without disabling it ({@code false}).
 */
public final class Constant extends Node {
  private static final Constant TRUE = new Constant(true);
  private static final Constant FALSE = new Constant(false);

  private final boolean value;

  private Constant(boolean value) {
    this.value = value;
  }

  /** Returns the constant condition. */
  public static Constant of(boolean value) {
    return value ? TRUE : FALSE;
  }

  @Override
  public boolean test(Event event) {
    return value;
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
    b.append(value);
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("$const", value);
    return o;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Constant c && value == c.value;
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(value);
  }
}
