package dev.hookline.filter.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Event;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code a and b and ...} or {@code a or b or ...}; nested junctions of the same kind are
 * flattened.
 */
public final class Junction extends Node {
  private final boolean and;
  private final Node[] children;
  private final int depth;

  private Junction(boolean and, List<Node> children) {
    this.and = and;
    this.children = children.toArray(new Node[0]);
    int d = 0;
    for (Node c : children) {
      d = Math.max(d, c.depth());
    }
    this.depth = d + 1;
  }

  /** All of the nodes; a single node is returned as is. */
  public static Node and(List<Node> nodes) {
    return of(true, nodes);
  }

  /** Any of the nodes; a single node is returned as is. */
  public static Node or(List<Node> nodes) {
    return of(false, nodes);
  }

  private static Node of(boolean and, List<Node> nodes) {
    if (nodes.isEmpty()) {
      throw Problem.of((and ? "$and" : "$or") + " needs at least one filter");
    }
    if (nodes.size() == 1) {
      return nodes.get(0);
    }
    List<Node> flat = new ArrayList<>();
    for (Node n : nodes) {
      if (n instanceof Junction j && j.and == and) {
        flat.addAll(List.of(j.children));
      } else {
        flat.add(n);
      }
    }
    Junction j = new Junction(and, flat);
    checkDepth(j.depth);
    return j;
  }

  public boolean isAnd() {
    return and;
  }

  public List<Node> children() {
    return List.of(children);
  }

  @Override
  public boolean test(Event event) {
    if (and) {
      for (Node c : children) {
        if (!c.test(event)) {
          return false;
        }
      }
      return true;
    }
    for (Node c : children) {
      if (c.test(event)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int depth() {
    return depth;
  }

  @Override
  int precedence() {
    return and ? PREC_AND : PREC_OR;
  }

  @Override
  void print(StringBuilder b) {
    for (int i = 0; i < children.length; i++) {
      if (i > 0) {
        b.append(and ? " and " : " or ");
      }
      printOperand(b, children[i], precedence());
    }
  }

  @Override
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode a = o.putArray(and ? "$and" : "$or");
    for (Node c : children) {
      a.add(c.toJson());
    }
    return o;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Junction j && and == j.and && java.util.Arrays.equals(children, j.children);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(children) * 2 + (and ? 1 : 0);
  }
}
