package dev.hookline.filter.internal;

/** Comparison operators, with their text and JSON spellings. */
public enum Op {
  EQ("==", "$eq", false),
  NE("!=", "$ne", false),
  IN("in", "$in", true),
  NOT_IN("not in", "$nin", true),
  GT(">", "$gt", false),
  GTE(">=", "$gte", false),
  LT("<", "$lt", false),
  LTE("<=", "$lte", false),
  STARTS_WITH("startsWith", "$startsWith", false),
  MATCHES("matches", "$regex", false);

  private final String text;
  private final String json;
  private final boolean list;

  Op(String text, String json, boolean list) {
    this.text = text;
    this.json = json;
    this.list = list;
  }

  /** The text spelling, such as {@code ==} or {@code not in}. */
  public String text() {
    return text;
  }

  /** The JSON key, such as {@code $eq}. */
  public String json() {
    return json;
  }

  /** Whether the operator takes a list of values. */
  public boolean takesList() {
    return list;
  }

  boolean ordering() {
    return this == GT || this == GTE || this == LT || this == LTE;
  }

  /** Finds the operator for a JSON key, or null. */
  static @org.jspecify.annotations.Nullable Op fromJson(String key) {
    for (Op op : values()) {
      if (op.json.equals(key)) {
        return op;
      }
    }
    return null;
  }
}
