package dev.hookline.admin.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hookline.Violation;
import dev.hookline.admin.AdminRequest;
import dev.hookline.admin.AdminResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API and the page behind {@code AdminApi}. Thread-safe. */
public final class AdminService {
  private static final Logger log = LoggerFactory.getLogger(AdminService.class);
  static final ObjectMapper JSON = new ObjectMapper();

  private final AdminSettings settings;
  private final StaticFiles page;
  private final TokenService tokens;

  public AdminService(AdminSettings settings) {
    this.settings = settings;
    this.page = new StaticFiles(settings.pagePath());
    this.tokens = new TokenService(settings.store(), settings.clock(), settings.random());
  }

  public TokenService tokens() {
    return tokens;
  }

  public AdminResponse handle(AdminRequest request) {
    try {
      if (page.handles(request.path())) {
        return page.serve(request);
      }
      if (!request.path().startsWith(settings.basePath())) {
        throw Problem.notFound("the resource " + request.path());
      }
      throw Problem.notFound("the resource " + request.path());
    } catch (Problem p) {
      return problem(p);
    } catch (RuntimeException e) {
      log.error("admin API request failed: {} {}", request.method(), request.path(), e);
      return problem(
          new Problem(
              500, "internal", "Internal error", "the server failed; see its log", List.of()));
    }
  }

  static AdminResponse problem(Problem p) {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", Problem.TYPE_BASE + p.slug());
    body.put("title", p.title());
    body.put("status", p.status());
    body.put("detail", p.getMessage());
    if (!p.errors().isEmpty()) {
      ArrayNode errors = body.putArray("errors");
      for (Violation v : p.errors()) {
        errors
            .addObject()
            .put("field", v.field())
            .put("reason", v.problem())
            .put("allowed", v.allowed());
      }
    }
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Content-Type", List.of("application/problem+json"));
    h.put("Cache-Control", List.of("no-store"));
    p.headers().forEach((k, v) -> h.put(k, List.of(v)));
    try {
      return new AdminResponse(p.status(), h, JSON.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
