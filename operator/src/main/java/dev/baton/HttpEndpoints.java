package dev.baton;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * /healthz (the process is up), /readyz (every informer is connected) and /metrics (Prometheus),
 * on one port, with the JDK's own HTTP server.
 */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  public HttpEndpoints(int port, BooleanSupplier ready, Supplier<String> metrics) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/healthz", ex -> respond(ex, 200, "ok\n", "text/plain"));
    server.createContext(
        "/readyz", ex -> respond(ex, ready.getAsBoolean() ? 200 : 503, ready.getAsBoolean() ? "ok\n" : "not ready\n", "text/plain"));
    server.createContext(
        "/metrics", ex -> respond(ex, 200, metrics.get(), "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, int code, String body, String type) throws IOException {
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
