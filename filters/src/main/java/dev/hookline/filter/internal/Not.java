package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import org.jspecify.annotations.Nullable;

/** {@code not x}. */
public final class Not extends Node {
  private final Node operand;

  private Not(Node operand) {
    this.operand = operand;
  }

  /** The negation of a node. */
  public static Not of(Node operand) {
    checkDepth(operand.depth() + 1);
    return new Not(operand);
  }

  public Node operand() {
    return operand;
  }

  @Override
  public boolean test(Event event) {
    return !operand.test(event);
  }

  @Override
  public int depth() {
    return operand.depth() + 1;
  }

  @Override
  int precedence() {
    return PREC_NOT;
  }

  @Override
  void print(StringBuilder b) {
    b.append("not ");
    printOperand(b, operand, PREC_AND);
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("$not", operand.toJson());
    return o;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Not n && operand.equals(n.operand);
  }

  @Override
  public int hashCode() {
    return ~operand.hashCode();
  }
}
