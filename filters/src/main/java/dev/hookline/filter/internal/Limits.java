package dev.hookline.filter.internal;

/** The bounds every filter must respect, whatever form it arrives in. */
public final class Limits {
  /** Longest filter text; the same as the registry's bound on the stored filter. */
  public static final int MAX_TEXT_LENGTH = 4096;

  /** Deepest nesting of and/or/not/parentheses. */
  public static final int MAX_DEPTH = 32;

  /** Most values in one {@code in (...)} list or {@code changed(...)}. */
  public static final int MAX_LIST_SIZE = 100;

  /** Longest string literal. */
  public static final int MAX_STRING_LENGTH = 1024;

  /** Longest regular expression. */
  public static final int MAX_REGEX_LENGTH = 256;

  /** Most segments after {@code data} in a field path. */
  public static final int MAX_PATH_SEGMENTS = 16;

  /** Largest array index in a field path. */
  public static final int MAX_ARRAY_INDEX = 9999;

  /** Longest number literal (characters). */
  public static final int MAX_NUMBER_LENGTH = 64;

  /** Largest repetition count in a regular expression ({@code {n}}, {@code {n,m}}). */
  public static final int MAX_REGEX_REPEAT = 1000;

  /** Longest input a regular expression is run on; longer values do not match. */
  public static final int MAX_REGEX_INPUT = 4096;

  /** Most character reads one regular expression match may make before it gives up (no match). */
  public static final int REGEX_WORK_BUDGET = 100_000;

  private Limits() {}
}
