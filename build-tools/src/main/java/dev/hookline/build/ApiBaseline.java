package dev.hookline.build;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.AnnotatedArrayType;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.AnnotatedTypeVariable;
import java.lang.reflect.AnnotatedWildcardType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.TypeVariable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes the public API of a compiled module as text, and compares it with the checked-in baseline
 * file, so that a change to the API shows up as a diff in review.
 *
 * <p>The API is every public (and, in classes that can be extended, protected) type, field,
 * constructor and method in the packages that {@code module-info} exports to everybody, with
 * generic signatures, modifiers, super types and JSpecify-style type annotations. Qualified exports
 * ({@code exports ... to}) are not API. Types and members are sorted, so the text depends only on
 * the class files, not on the source order or the JDK's reflection order.
 *
 * <p>Run by every published module's build as a single-file program ({@code java
 * ApiBaseline.java}), so it needs nothing built before it:
 *
 * <pre>
 * java -cp CLASSPATH ApiBaseline.java CLASSES_DIR API_FILE UPDATE UPDATE_COMMAND
 * </pre>
 *
 * The class path must hold {@code CLASSES_DIR} and its dependencies: the types are loaded (not
 * initialised) to read their signatures. With {@code UPDATE} {@code true} the file is rewritten;
 * otherwise a difference fails with a diff and the command that updates the file.
 *
 * <p>Stateless; thread-safe.
 */
public final class ApiBaseline {
  private static final int CONTEXT_LINES = 3;

  private ApiBaseline() {}

  /**
   * Checks or updates one module's baseline file.
   *
   * @param args the classes directory, the baseline file, {@code true} to update, and the command a
   *     developer runs to update (shown in the failure message)
   * @throws IOException if the classes or the file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: ApiBaseline CLASSES_DIR API_FILE UPDATE(true|false) UPDATE_COMMAND");
    }
    Path classes = Path.of(args[0]);
    Path apiFile = Path.of(args[1]);
    boolean update = Boolean.parseBoolean(args[2]);
    String text = dump(classes, Thread.currentThread().getContextClassLoader());
    Optional<String> failure = checkOrUpdate(text, apiFile, update, args[3]);
    if (failure.isPresent()) {
      System.err.println(failure.get());
      System.exit(1);
    }
  }

  /**
   * Compares {@code actual} with the file, or rewrites the file with it.
   *
   * @param actual the current API text, from {@link #dump}
   * @param apiFile the checked-in baseline
   * @param update true to write {@code actual} to the file instead of comparing
   * @param updateCommand the command shown in the failure message
   * @return a failure message with a diff, or empty when the file matches (or was updated)
   * @throws IOException if the file cannot be read or written
   */
  public static Optional<String> checkOrUpdate(
      String actual, Path apiFile, boolean update, String updateCommand) throws IOException {
    String expected =
        Files.exists(apiFile) ? Files.readString(apiFile, StandardCharsets.UTF_8) : null;
    if (actual.equals(expected)) {
      return Optional.empty();
    }
    if (update) {
      Path parent = apiFile.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(apiFile, actual, StandardCharsets.UTF_8);
      System.out.println("API baseline written: " + apiFile);
      return Optional.empty();
    }
    String header =
        expected == null
            ? "API baseline " + apiFile + " does not exist."
            : "The public API differs from the baseline " + apiFile + " (- baseline, + code):";
    return Optional.of(
        header
            + "\n"
            + unifiedDiff(expected == null ? "" : expected, actual)
            + "If the change is intended, update the baseline and commit it with the change:\n  "
            + updateCommand);
  }

  /**
   * Renders the public API of the module compiled into {@code classes}.
   *
   * @param classes a directory holding {@code module-info.class} and the module's classes
   * @param loader a class loader that can load the module's classes and their dependencies
   * @return the API text, one type per block, sorted
   * @throws IOException if the directory cannot be read
   */
  public static String dump(Path classes, ClassLoader loader) throws IOException {
    Set<String> packages = exportedPackages(classes);
    List<Class<?>> types = new ArrayList<>();
    for (String pkg : packages) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.sorted().collect(Collectors.toList())) {
          String name = file.getFileName().toString();
          if (!name.endsWith(".class") || name.equals("package-info.class")) {
            continue;
          }
          String binaryName = pkg + "." + name.substring(0, name.length() - ".class".length());
          Class<?> type;
          try {
            type = Class.forName(binaryName, false, loader);
          } catch (ClassNotFoundException e) {
            throw new IOException("cannot load " + binaryName + " from the class path", e);
          }
          if (isApi(type)) {
            types.add(type);
          }
        }
      }
    }
    types.sort(Comparator.comparing(ApiBaseline::typeName));
    StringBuilder out = new StringBuilder();
    for (Class<?> type : types) {
      out.append(typeHeader(type)).append(" {\n");
      for (String member : members(type)) {
        out.append("  ").append(member).append('\n');
      }
      out.append("}\n\n");
    }
    return out.toString();
  }

  private static Set<String> exportedPackages(Path classes) {
    Optional<ModuleReference> module = ModuleFinder.of(classes).findAll().stream().findFirst();
    if (module.isEmpty() || module.get().descriptor().isAutomatic()) {
      throw new IllegalArgumentException("no module-info.class in " + classes);
    }
    return module.get().descriptor().exports().stream()
        .filter(e -> !e.isQualified())
        .map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** A type is API when it and every type enclosing it can be named from another package. */
  private static boolean isApi(Class<?> type) {
    if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()) {
      return false;
    }
    for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
      int m = c.getModifiers();
      if (!Modifier.isPublic(m) && !Modifier.isProtected(m)) {
        return false;
      }
    }
    return true;
  }

  private static String typeName(Class<?> type) {
    if (type.isArray()) {
      return typeName(type.getComponentType()) + "[]";
    }
    String canonical = type.getCanonicalName();
    return canonical != null ? canonical : type.getName();
  }

  private static String typeHeader(Class<?> type) {
    StringBuilder s = new StringBuilder();
    int mods = type.getModifiers();
    String kind;
    if (type.isAnnotation()) {
      kind = "@interface";
      mods &= ~(Modifier.ABSTRACT | Modifier.INTERFACE);
    } else if (type.isInterface()) {
      kind = "interface";
      mods &= ~(Modifier.ABSTRACT | Modifier.INTERFACE);
    } else if (type.isEnum()) {
      kind = "enum";
      mods &= ~(Modifier.FINAL | Modifier.ABSTRACT);
    } else if (type.isRecord()) {
      kind = "record";
      mods &= ~Modifier.FINAL;
    } else {
      kind = "class";
    }
    // a nested type's class file keeps "static" and "protected" in its inner-class attribute,
    // which getModifiers() reports; only the access and shape modifiers matter here
    mods &=
        Modifier.PUBLIC | Modifier.PROTECTED | Modifier.ABSTRACT | Modifier.STATIC | Modifier.FINAL;
    if (mods != 0) {
      s.append(Modifier.toString(mods)).append(' ');
    }
    if (type.isSealed()) {
      s.append("sealed ");
    }
    s.append(kind)
        .append(' ')
        .append(typeName(type))
        .append(typeParameters(type.getTypeParameters()));
    Class<?> superclass = type.getSuperclass();
    if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
      Class<?> visible = superclass;
      while (visible != null && !isApi(visible)) {
        visible = visible.getSuperclass();
      }
      if (visible == superclass) {
        s.append(" extends ").append(render(type.getAnnotatedSuperclass()));
      } else if (visible != null && visible != Object.class) {
        s.append(" extends ").append(typeName(visible));
      }
    }
    List<String> interfaces = new ArrayList<>();
    Class<?>[] raw = type.getInterfaces();
    AnnotatedType[] generic = type.getAnnotatedInterfaces();
    for (int i = 0; i < raw.length; i++) {
      if (isApi(raw[i]) && !(type.isAnnotation() && raw[i] == Annotation.class)) {
        interfaces.add(render(generic[i]));
      }
    }
    if (!interfaces.isEmpty()) {
      s.append(type.isInterface() ? " extends " : " implements ")
          .append(String.join(", ", interfaces));
    }
    if (type.isSealed()) {
      s.append(" permits ")
          .append(
              Arrays.stream(type.getPermittedSubclasses())
                  .map(ApiBaseline::typeName)
                  .sorted()
                  .collect(Collectors.joining(", ")));
    }
    return s.toString();
  }

  private static List<String> members(Class<?> type) {
    boolean extensible = !Modifier.isFinal(type.getModifiers()) && !type.isSealed();
    List<String> fields = new ArrayList<>();
    List<String> constructors = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      if (visible(f.getModifiers(), f.isSynthetic(), extensible)) {
        fields.add(
            modifiers(
                    f.getModifiers()
                        & (Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC | Modifier.FINAL))
                + render(f.getAnnotatedType())
                + " "
                + f.getName());
      }
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (visible(c.getModifiers(), c.isSynthetic(), extensible) && !type.isEnum()) {
        constructors.add(
            modifiers(c.getModifiers() & Modifier.constructorModifiers())
                + typeParameters(c.getTypeParameters())
                + spaceIfAny(c.getTypeParameters())
                + "<init>"
                + parameters(c)
                + exceptions(c));
      }
    }
    // public methods inherited from superclasses that are not API themselves belong to this type
    Set<String> seen = new TreeSet<>();
    for (Class<?> c = type; c != null && (c == type || !isApi(c)); c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        String key = m.getName() + Arrays.toString(m.getParameterTypes());
        if (visible(m.getModifiers(), m.isSynthetic() || m.isBridge(), extensible)
            && seen.add(key)) {
          methods.add(method(type, m));
        }
      }
    }
    Comparator<String> byName =
        Comparator.comparing(ApiBaseline::memberName).thenComparing(Comparator.naturalOrder());
    fields.sort(byName);
    constructors.sort(Comparator.naturalOrder());
    methods.sort(byName);
    List<String> all = new ArrayList<>(fields);
    all.addAll(constructors);
    all.addAll(methods);
    return all;
  }

  private static boolean visible(int modifiers, boolean synthetic, boolean extensible) {
    return !synthetic
        && (Modifier.isPublic(modifiers) || (extensible && Modifier.isProtected(modifiers)));
  }

  private static String method(Class<?> type, Method m) {
    int mods =
        m.getModifiers()
            & (Modifier.PUBLIC
                | Modifier.PROTECTED
                | Modifier.STATIC
                | Modifier.FINAL
                | Modifier.ABSTRACT);
    if (type.isInterface()) {
      mods &= ~(Modifier.ABSTRACT | Modifier.PUBLIC);
      if (m.isDefault()) {
        return "default " + modifiers(mods) + signature(m);
      }
    }
    return modifiers(mods) + signature(m);
  }

  private static String signature(Method m) {
    return typeParameters(m.getTypeParameters())
        + spaceIfAny(m.getTypeParameters())
        + render(m.getAnnotatedReturnType())
        + " "
        + m.getName()
        + parameters(m)
        + exceptions(m);
  }

  /** The name a member line sorts by: the word before "(" or the last word of a field. */
  private static String memberName(String line) {
    int paren = line.indexOf('(');
    String head = paren < 0 ? line : line.substring(0, paren);
    return head.substring(head.lastIndexOf(' ') + 1);
  }

  private static String modifiers(int mods) {
    return mods == 0 ? "" : Modifier.toString(mods) + " ";
  }

  private static String spaceIfAny(TypeVariable<?>[] variables) {
    return variables.length == 0 ? "" : " ";
  }

  private static String parameters(Executable e) {
    AnnotatedType[] types = e.getAnnotatedParameterTypes();
    Class<?> owner = e.getDeclaringClass();
    if (e instanceof Constructor && owner.isRecord()) {
      // javac may leave the generic signature off a record's implicit canonical constructor
      // (it depends on the javac version); its components always carry it
      RecordComponent[] components = owner.getRecordComponents();
      Class<?>[] raw =
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
      if (Arrays.equals(raw, e.getParameterTypes())) {
        types =
            Arrays.stream(components)
                .map(RecordComponent::getAnnotatedType)
                .toArray(AnnotatedType[]::new);
      }
    }
    List<String> rendered = new ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      String t = render(types[i]);
      if (e.isVarArgs() && i == types.length - 1 && t.endsWith("[]")) {
        t = t.substring(0, t.length() - 2) + "...";
      }
      rendered.add(t);
    }
    return "(" + String.join(", ", rendered) + ")";
  }

  private static String exceptions(Executable e) {
    AnnotatedType[] thrown = e.getAnnotatedExceptionTypes();
    if (thrown.length == 0) {
      return "";
    }
    return " throws "
        + Arrays.stream(thrown).map(ApiBaseline::render).sorted().collect(Collectors.joining(", "));
  }

  private static String typeParameters(TypeVariable<?>[] variables) {
    if (variables.length == 0) {
      return "";
    }
    List<String> rendered = new ArrayList<>();
    for (TypeVariable<?> v : variables) {
      String bounds =
          Arrays.stream(v.getAnnotatedBounds())
              .map(ApiBaseline::render)
              .filter(b -> !b.equals("java.lang.Object"))
              .collect(Collectors.joining(" & "));
      rendered.add(
          annotations(v.getAnnotations())
              + v.getName()
              + (bounds.isEmpty() ? "" : " extends " + bounds));
    }
    return "<" + String.join(", ", rendered) + ">";
  }

  /** A type with its type-use annotations (such as {@code @Nullable}), by simple name. */
  private static String render(AnnotatedType type) {
    String prefix = annotations(type.getDeclaredAnnotations());
    if (type instanceof AnnotatedArrayType array) {
      return render(array.getAnnotatedGenericComponentType())
          + (prefix.isEmpty() ? "" : " " + prefix.trim())
          + "[]";
    }
    if (type instanceof AnnotatedWildcardType w) {
      AnnotatedType[] lower = w.getAnnotatedLowerBounds();
      AnnotatedType[] upper = w.getAnnotatedUpperBounds();
      if (lower.length > 0) {
        return prefix + "? super " + render(lower[0]);
      }
      if (upper.length > 0 && !render(upper[0]).equals("java.lang.Object")) {
        return prefix + "? extends " + render(upper[0]);
      }
      return prefix + "?";
    }
    if (type instanceof AnnotatedTypeVariable) {
      return prefix + ((TypeVariable<?>) type.getType()).getName();
    }
    if (type instanceof AnnotatedParameterizedType p) {
      Class<?> raw = (Class<?>) ((ParameterizedType) p.getType()).getRawType();
      return prefix
          + typeName(raw)
          + Arrays.stream(p.getAnnotatedActualTypeArguments())
              .map(ApiBaseline::render)
              .collect(Collectors.joining(", ", "<", ">"));
    }
    if (type.getType() instanceof Class<?> c) {
      return prefix + typeName(c);
    }
    return prefix + type.getType().getTypeName();
  }

  private static String annotations(Annotation[] annotations) {
    return Arrays.stream(annotations)
        .map(a -> "@" + a.annotationType().getSimpleName() + " ")
        .sorted()
        .collect(Collectors.joining());
  }

  /**
   * A unified diff of two texts, line by line, with a few lines of context around each change.
   *
   * @param expected the old text
   * @param actual the new text
   * @return the diff, {@code -} for lines only in {@code expected}, {@code +} for lines only in
   *     {@code actual}; empty when they are equal
   */
  public static String unifiedDiff(String expected, String actual) {
    List<String> a = expected.isEmpty() ? List.of() : Arrays.asList(expected.split("\n", -1));
    List<String> b = actual.isEmpty() ? List.of() : Arrays.asList(actual.split("\n", -1));
    int n = a.size();
    int m = b.size();
    // longest common subsequence, from the end, so the walk below goes forwards
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> ops = new ArrayList<>(); // each line prefixed with ' ', '-' or '+'
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        ops.add(" " + a.get(i++));
        j++;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add("-" + a.get(i++));
      } else {
        ops.add("+" + b.get(j++));
      }
    }
    StringBuilder out = new StringBuilder();
    int k = 0;
    while (k < ops.size()) {
      if (ops.get(k).charAt(0) == ' ') {
        k++;
        continue;
      }
      int start = Math.max(0, k - CONTEXT_LINES);
      int end = k;
      // extend the hunk while changes are closer than twice the context
      int lastChange = k;
      while (end < ops.size()) {
        if (ops.get(end).charAt(0) != ' ') {
          lastChange = end;
        } else if (end - lastChange > 2 * CONTEXT_LINES) {
          break;
        }
        end++;
      }
      end = Math.min(ops.size(), lastChange + CONTEXT_LINES + 1);
      out.append("@@ line ").append(oldLine(ops, start)).append(" @@\n");
      for (int x = start; x < end; x++) {
        out.append(ops.get(x)).append('\n');
      }
      k = end;
    }
    return out.toString();
  }

  private static int oldLine(List<String> ops, int index) {
    int line = 1;
    for (int x = 0; x < index; x++) {
      if (ops.get(x).charAt(0) != '+') {
        line++;
      }
    }
    return line;
  }
}
