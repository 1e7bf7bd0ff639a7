package dev.hookline.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hookline.WebhookRegistry;
import dev.hookline.admin.AdminApi;
import dev.hookline.admin.spi.AdminStore;
import dev.hookline.admin.store.InMemoryAdminStore;
import dev.hookline.delivery.Dispatcher;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

/** When the admin mount appears, what it is built from, and what stops startup. */
@ExtendWith(OutputCaptureExtension.class)
class AdminAutoConfigurationTest {
  private static final AutoConfigurations CONFIGURATIONS =
      AutoConfigurations.of(HooklineAutoConfiguration.class, HooklineAdminAutoConfiguration.class);

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner().withConfiguration(CONFIGURATIONS);

  @Test
  void nothingIsMountedUnlessEnabled() {
    web.run(AdminAutoConfigurationTest::assertNoMount);
    web.withPropertyValues("hookline.admin.enabled=false")
        .run(AdminAutoConfigurationTest::assertNoMount);
  }

  @Test
  void nothingIsMountedInANonWebApplication() {
    new ApplicationContextRunner()
        .withConfiguration(CONFIGURATIONS)
        .withPropertyValues("hookline.admin.enabled=true")
        .run(
            context -> {
              assertNotNull(context.getBean(Dispatcher.class));
              assertTrue(context.getBeansOfType(AdminApi.class).isEmpty());
              assertTrue(context.getBeansOfType(ServletRegistrationBean.class).isEmpty());
            });
  }

  @Test
  void nothingIsMountedWithoutHooklineAdminOnTheClassPath() {
    web.withPropertyValues("hookline.admin.enabled=true")
        .withClassLoader(new FilteredClassLoader(AdminApi.class))
        .run(AdminAutoConfigurationTest::assertNoMount);
  }

  @Test
  void enabledMountsTheApiAtThePathWithAnInMemoryStoreAndSaysSoOnce(CapturedOutput output) {
    web.withPropertyValues("hookline.admin.enabled=true", "hookline.admin.path=/ops/webhooks")
        .run(
            context -> {
              AdminApi api = context.getBean(AdminApi.class);
              assertEquals("/ops/webhooks/api/v1", api.basePath());
              assertEquals("/ops/webhooks/admin/", api.pagePath());
              assertInstanceOf(InMemoryAdminStore.class, context.getBean(AdminStore.class));
              ServletRegistrationBean<?> servlet =
                  context.getBean("hooklineAdminServlet", ServletRegistrationBean.class);
              assertEquals(List.of("/ops/webhooks/*"), List.copyOf(servlet.getUrlMappings()));
            });
    String log = output.getAll();
    assertEquals(1, log.split("admin API keeps its tokens and audit log in memory", -1).length - 1);
  }

  @Test
  void aMalformedPathFailsStartupNamingTheProperty() {
    for (String path : List.of("hookline", "/hookline/", "/", "", "/a b", "/a/../b", "/a//b")) {
      web.withPropertyValues("hookline.admin.enabled=true", "hookline.admin.path=" + path)
          .run(
              context -> {
                Throwable failure = context.getStartupFailure();
                assertNotNull(failure, path);
                InvalidConfigurationPropertyValueException e =
                    assertInstanceOf(
                        InvalidConfigurationPropertyValueException.class,
                        NestedExceptionUtils.getMostSpecificCause(failure),
                        path);
                assertEquals("hookline.admin.path", e.getName());
                assertTrue(e.getMessage().contains("such as /hookline"), e.getMessage());
              });
    }
  }

  @Test
  void theApplicationsAdminApiWinsAndIsMounted(CapturedOutput output) {
    web.withPropertyValues("hookline.admin.enabled=true")
        .withUserConfiguration(OwnAdminApi.class)
        .run(
            context -> {
              AdminApi own = context.getBean("ownAdminApi", AdminApi.class);
              assertSame(own, context.getBean(AdminApi.class));
              assertTrue(context.getBeansOfType(AdminStore.class).isEmpty());
              assertNotNull(context.getBean("hooklineAdminServlet", ServletRegistrationBean.class));
            });
    assertFalse(output.getAll().contains("admin API keeps its tokens"));
  }

  @Test
  void anAdminApiOutsideTheMountFailsStartupSayingHowToBuildIt() {
    web.withPropertyValues("hookline.admin.enabled=true")
        .withUserConfiguration(AdminApiAtTheDefaultPaths.class)
        .run(
            context -> {
              Throwable cause =
                  NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure());
              assertInstanceOf(IllegalStateException.class, cause);
              assertTrue(
                  cause.getMessage().contains("basePath(\"/hookline/api/v1\")"),
                  cause.getMessage());
            });
  }

  @Test
  void aCustomizerChangesTheBuilder() {
    web.withPropertyValues("hookline.admin.enabled=true")
        .withBean(AdminApiCustomizer.class, () -> b -> b.maxBodyBytes(4096))
        .run(context -> assertEquals(4096, context.getBean(AdminApi.class).maxBodyBytes()));
  }

  /** An application's own API, under the mount. */
  @Configuration(proxyBeanMethods = false)
  static class OwnAdminApi {
    @Bean
    AdminApi ownAdminApi(WebhookRegistry registry, Dispatcher dispatcher) {
      return AdminApi.builder()
          .registry(registry)
          .dispatcher(dispatcher)
          .basePath("/hookline/v1")
          .pagePath("/hookline/page/")
          .build();
    }
  }

  /** An application's own API at /api/v1, which a servlet at /hookline/* never sees. */
  @Configuration(proxyBeanMethods = false)
  static class AdminApiAtTheDefaultPaths {
    @Bean
    AdminApi ownAdminApi(WebhookRegistry registry, Dispatcher dispatcher) {
      return AdminApi.builder().registry(registry).dispatcher(dispatcher).build();
    }
  }

  private static void assertNoMount(AssertableWebApplicationContext context) {
    assertNotNull(context.getBean(Dispatcher.class));
    assertTrue(context.getBeansOfType(AdminApi.class).isEmpty());
    assertTrue(context.getBeansOfType(AdminStore.class).isEmpty());
    assertTrue(context.getBeansOfType(ServletRegistrationBean.class).isEmpty());
  }
}
