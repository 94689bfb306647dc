package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.metrics.BatonMetrics;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * /healthz and /readyz against the real operator on the mock server: 503 before it starts, 200 once
 * its informers have synced, 503 naming the informers once the API server is gone.
 */
@EnableKubernetesMockClient(crud = true)
class HealthIntegrationTest {
  static KubernetesClient client;
  static KubernetesMockServer server;

  private static HttpResponse<String> get(int port, String path) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void healthFollowsTheInformersAndTheStartedState() throws Exception {
    try (Cluster cluster = new Cluster(client)) {
      BatonOperator operator =
          new BatonOperator(
              client,
              BatonConfig.defaults().withHttpPort(0),
              BatonMetrics.inMemory(),
              Clock.systemUTC());
      try (HttpEndpoints http = new HttpEndpoints(0, operator::problems, () -> "")) {
        for (String path : new String[] {"/healthz", "/readyz"}) {
          HttpResponse<String> before = get(http.port(), path);
          assertThat(before.statusCode()).as(path + " before start").isEqualTo(503);
          assertThat(before.body()).contains("the operator is not started");
        }

        operator.start();
        HttpResponse<String> up =
            Cluster.await(
                "/readyz 200",
                () -> get(http.port(), "/readyz"),
                r -> r.statusCode() == 200,
                Duration.ofSeconds(30));
        assertThat(up.body()).isEqualTo("ok\n");
        assertThat(get(http.port(), "/healthz").statusCode()).isEqualTo(200);

        server.destroy();
        HttpResponse<String> down =
            Cluster.await(
                "/healthz 503 once the API server is gone",
                () -> get(http.port(), "/healthz"),
                r -> r.statusCode() == 503,
                Duration.ofSeconds(60));
        assertThat(down.body())
            .startsWith("unhealthy:\n")
            .contains("event source")
            .contains("watching=false");
        assertThat(get(http.port(), "/readyz").statusCode()).isEqualTo(503);
      } finally {
        operator.close();
      }
    }
  }
}
