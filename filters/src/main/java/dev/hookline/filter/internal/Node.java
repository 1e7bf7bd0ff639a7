package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;

/**
 * A node of a filter's syntax tree. Nodes are immutable, validated when built, compare by
 * structure, and evaluate themselves; thread-safe.
 */
public abstract class Node {
  static final int PREC_OR = 1;
  static final int PREC_AND = 2;
  static final int PREC_NOT = 3;
  static final int PREC_ATOM = 4;

  Node() {}

  /** Evaluates the filter against an event. */
  public abstract boolean test(Event event);

  /** Levels of nesting: 1 for a condition, one more for each and/or/not around it. */
  public abstract int depth();

  abstract int precedence();

  abstract void print(StringBuilder b);

  /** The canonical JSON form. */
  public abstract ObjectNode toJson();

  /** The canonical text form. */
  public final String text() {
    StringBuilder b = new StringBuilder();
    print(b);
    return b.toString();
  }

  static void printOperand(StringBuilder b, Node child, int parentPrecedence) {
    if (child.precedence() <= parentPrecedence) {
      b.append('(');
      child.print(b);
      b.append(')');
    } else {
      child.print(b);
    }
  }

  static void checkDepth(int depth) {
    if (depth > Limits.MAX_DEPTH) {
      throw Problem.of(
          "filter nests " + depth + " levels deep; at most " + Limits.MAX_DEPTH + " allowed");
    }
  }

  @Override
  public final String toString() {
    return text();
  }
}
