package dev.baton;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * /healthz (liveness) and /readyz (readiness), which answer 200 "ok" when {@code problems} finds
 * nothing, else 503 with one line per problem (not started, an informer that is not watching or not
 * synced, a stuck engine), and /metrics (Prometheus), on one port, with the JDK's own HTTP server.
 */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  public HttpEndpoints(int port, Supplier<List<String>> problems, Supplier<String> metrics)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/healthz", ex -> health(ex, problems));
    server.createContext("/readyz", ex -> health(ex, problems));
    server.createContext(
        "/metrics",
        ex -> respond(ex, 200, metrics.get(), "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void health(HttpExchange ex, Supplier<List<String>> problems) throws IOException {
    List<String> found;
    try {
      found = problems.get();
    } catch (RuntimeException e) {
      found = List.of("the health check failed: " + e);
    }
    if (found.isEmpty()) {
      respond(ex, 200, "ok\n", "text/plain");
    } else {
      respond(ex, 503, "unhealthy:\n- " + String.join("\n- ", found) + "\n", "text/plain");
    }
  }

  private static void respond(HttpExchange ex, int code, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
