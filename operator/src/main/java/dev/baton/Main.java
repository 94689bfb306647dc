package dev.baton;

import dev.baton.metrics.BatonMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator against the cluster of the current kubeconfig (or the in-cluster
 * ServiceAccount). Settings come from BATON_* environment variables; see {@link BatonConfig}.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    BatonConfig config = BatonConfig.fromEnv(System.getenv());
    KubernetesClient client = OperatorClient.create();
    BatonMetrics metrics = BatonMetrics.prometheus();
    BatonOperator operator = new BatonOperator(client, config, metrics, Clock.systemUTC());
    HttpEndpoints http =
        config.httpPort() < 0
            ? null
            : new HttpEndpoints(config.httpPort(), operator::problems, metrics::scrape);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> {
              LOG.info("stopping");
              operator.close();
              if (http != null) http.close();
              client.close();
              stopped.countDown();
            }));
    operator.start();
    LOG.info(
        "Baton operator started: namespaces={}, http port={}, leader election={}",
        config.namespaces().isEmpty() ? "all" : config.namespaces(),
        http == null ? "off" : http.port(),
        config.leaderElection());
    stopped.await();
  }
}
