package dev.hookline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The README's quick-start blocks are the code in {@link QuickStart}, character for character. */
class ReadmeSnippetsTest {
  private static final Path SOURCE = Path.of("src/main/java/dev/hookline/examples/QuickStart.java");
  private static final Path README = Path.of("../README.md");

  @ParameterizedTest
  @ValueSource(strings = {"send", "receive"})
  void readmeBlockEqualsTheCompiledSnippet(String name) throws IOException {
    String expected =
        String.join("\n\n", regions(Files.readString(SOURCE, StandardCharsets.UTF_8), name));
    Matcher m =
        Pattern.compile("<!-- snippet:" + name + " -->\\s*```java\\n(.*?)```", Pattern.DOTALL)
            .matcher(Files.readString(README, StandardCharsets.UTF_8));
    assertTrue(m.find(), "README.md has no block marked <!-- snippet:" + name + " -->");
    assertEquals(expected, m.group(1).stripTrailing());
  }

  static List<String> regions(String source, String name) {
    List<String> out = new ArrayList<>();
    Matcher m =
        Pattern.compile("// snippet:" + name + "\\n(.*?)\\n\\s*// end-snippet", Pattern.DOTALL)
            .matcher(source);
    while (m.find()) {
      out.add(dedent(m.group(1)));
    }
    return out;
  }

  private static String dedent(String block) {
    int indent =
        block
            .lines()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder b = new StringBuilder();
    block.lines().forEach(l -> b.append(l.isBlank() ? "" : l.substring(indent)).append('\n'));
    return b.toString().stripTrailing();
  }
}
