package dev.baton.e2e;

import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The side-by-side benchmark (run by e2e/compare.sh): the same work for Kubernetes alone, Baton,
 * and Argo Workflows with its defaults and tuned, one after the other on one cluster, measured by
 * one independent watcher ({@link RunWatcher}). Each orchestrator runs the 20-step chain once (the
 * hand-off at 1 instance) and N concurrent instances of the 20-step DAG of e2e/bench.sh (steps/s
 * and the hand-off at N instances); Kubernetes alone runs N x 20 one-pod Jobs created as fast as
 * possible from 16 threads. Around each measured run it reads every process's CPU from /proc and
 * the API server's writes from its /metrics. It prints one Markdown block, ready to paste.
 */
public final class CompareBenchmark {
  static final String BATON_NS = ClusterBenchmark.NS;
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(40);

  /** One measured run: its steps and wall time, hand-offs, CPU and writes. */
  record Result(
      int steps,
      double seconds,
      long[] handoffs,
      Map<String, Long> cpu,
      Map<String, Double> writes,
      double load) {
    double stepsPerSecond() {
      return steps / seconds;
    }

    double writesPerStep() {
      return writes.values().stream().mapToDouble(Double::doubleValue).sum() / steps;
    }
  }

  /** What is measured for one orchestrator. */
  static final class Column {
    final String name;
    Result chain;
    Result dag;
    long[] batonJobHandoffs; // Baton only: upstream pod Succeeded -> downstream Job ADDED
    String operatorView; // Baton only: its own metrics at the end of the DAG run

    Column(String name) {
      this.name = name;
    }
  }

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    String argoBinary = System.getProperty("baton.argoBinary", "");
    String argoKubeconfig = System.getProperty("baton.argoKubeconfig", "");
    String argoNs = System.getProperty("baton.argoNamespace", "argo-bench");
    String started = Instant.now().toString();
    String load0 = loadAverage();
    List<Column> columns = new ArrayList<>();
    try (KubernetesClient client = client()) {
      E2E.removeNamespace(client, BATON_NS);
      E2E.namespace(client, BATON_NS);
      columns.add(kubernetesAlone(client, instances));
      E2E.removeNamespace(client, BATON_NS);
      E2E.namespace(client, BATON_NS);
      columns.add(podsAlone(client, instances));
      E2E.removeNamespace(client, BATON_NS);
      E2E.namespace(client, BATON_NS);
      columns.add(baton(client, instances));
      E2E.removeNamespace(client, BATON_NS);
      if (!argoBinary.isBlank()) {
        for (ArgoController.Setting s : List.of(ArgoController.DEFAULTS, ArgoController.TUNED)) {
          columns.add(argo(client, instances, argoBinary, argoKubeconfig, argoNs, s));
        }
      }
    } finally {
      try (KubernetesClient client = client()) {
        E2E.removeNamespace(client, BATON_NS);
      }
    }
    new CompareReport(instances, started, load0, loadAverage(), columns).print(System.out);
  }

  /**
   * The admin client, with a long request timeout: on a loaded machine a cold JVM's first requests
   * can outlast the default 10 s. Its watches, which time every hand-off, resume 0.1 s after the
   * API server ends one, as the operator's do (see {@link E2E#admin}).
   */
  static KubernetesClient client() {
    Config config = E2E.adminConfig();
    config.setRequestTimeout(60_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static Column kubernetesAlone(KubernetesClient client, int instances) throws Exception {
    return alone(client, instances, false);
  }

  /**
   * Kubernetes alone with bare pods instead of one-pod Jobs: the most a Job-less, pod-based runtime
   * (as Argo's) could do here; what an opt-in Job-less Baton would be bounded by.
   */
  static Column podsAlone(KubernetesClient client, int instances) throws Exception {
    return alone(client, instances, true);
  }

  private static Column alone(KubernetesClient client, int instances, boolean bare)
      throws Exception {
    String what = bare ? "bare pods" : "one-pod Jobs";
    String name = bare ? "Pods alone" : "Kubernetes alone";
    log(name + ": warm-up, 20 " + what);
    ClusterBenchmark.lifecycleRate(client, BATON_NS, 20, 16, Integer.MAX_VALUE, bare);
    log(name + ": " + instances * 20 + " " + what + " from 16 threads");
    Column c = new Column(name);
    int jobs = instances * CompareWork.DAG.steps();
    Map<String, Long> cpu0 = cpu(null, 0);
    Map<String, Double> w0 = ClusterBenchmark.apiWrites(client);
    long t0 = System.nanoTime();
    ClusterBenchmark.lifecycleRate(client, BATON_NS, jobs, 16, Integer.MAX_VALUE, bare);
    double seconds = (System.nanoTime() - t0) / 1e9;
    c.dag =
        new Result(
            jobs,
            seconds,
            new long[0],
            diff(cpu0, cpu(null, 0)),
            diffWrites(w0, ClusterBenchmark.apiWrites(client)),
            load1());
    return c;
  }

  static Column baton(KubernetesClient client, int instances) throws Exception {
    log("Baton: operator as a local process");
    Column c = new Column("Baton");
    for (CompareWork.Shape s : List.of(CompareWork.PROBE, CompareWork.CHAIN_SHAPE, CompareWork.DAG))
      E2E.apply(client, BATON_NS, CompareWork.batonWorkflow(s));
    Map<String, Long> jobAdded = new ConcurrentHashMap<>();
    try (E2E.Operator operator = E2E.Operator.start("compare");
        RunWatcher watcher =
            new RunWatcher(
                client,
                BATON_NS,
                RunWatcher::batonStep,
                "baton.dev/v1alpha1",
                "WorkflowInstance")) {
      Watch jobs = watchJobs(client, jobAdded);
      try {
        long pid = operator.process.pid();
        measure(
            client,
            watcher,
            CompareWork.PROBE,
            List.of("probe-0"),
            names -> submitBaton(client, CompareWork.PROBE, names),
            "operator",
            pid);
        // The JVM's JIT warm-up, not measured (Argo's Go binary needs none).
        measure(
            client,
            watcher,
            CompareWork.DAG,
            CompareWork.names("warm-", CompareWork.BATON_WARM_UP),
            names -> submitBaton(client, CompareWork.DAG, names),
            "operator",
            pid);
        c.chain =
            measure(
                client,
                watcher,
                CompareWork.CHAIN_SHAPE,
                List.of("chain-0"),
                names -> submitBaton(client, CompareWork.CHAIN_SHAPE, names),
                "operator",
                pid);
        List<String> runs = CompareWork.names("run-", instances);
        c.dag =
            measure(
                client,
                watcher,
                CompareWork.DAG,
                runs,
                names -> submitBaton(client, CompareWork.DAG, names),
                "operator",
                pid);
        c.batonJobHandoffs = jobHandoffs(watcher, jobAdded, runs);
        c.operatorView = ClusterBenchmark.operatorView(operator.metrics());
      } finally {
        jobs.close();
      }
    }
    return c;
  }

  static Column argo(
      KubernetesClient client,
      int instances,
      String binary,
      String kubeconfig,
      String ns,
      ArgoController.Setting setting)
      throws Exception {
    log(setting.name() + ": " + setting.describe());
    Column c = new Column(setting.name());
    cleanArgo(client, ns);
    try (ArgoController controller = ArgoController.start(client, binary, kubeconfig, ns, setting);
        RunWatcher watcher =
            new RunWatcher(client, ns, RunWatcher::argoStep, "argoproj.io/v1alpha1", "Workflow")) {
      long pid = controller.process.pid();
      String name = "workflow-controller";
      measure(
          client,
          watcher,
          CompareWork.PROBE,
          List.of("probe-0"),
          names -> submitArgo(client, ns, CompareWork.PROBE, names),
          name,
          pid);
      c.chain =
          measure(
              client,
              watcher,
              CompareWork.CHAIN_SHAPE,
              List.of("chain-0"),
              names -> submitArgo(client, ns, CompareWork.CHAIN_SHAPE, names),
              name,
              pid);
      c.dag =
          measure(
              client,
              watcher,
              CompareWork.DAG,
              CompareWork.names("run-", instances),
              names -> submitArgo(client, ns, CompareWork.DAG, names),
              name,
              pid);
    } finally {
      cleanArgo(client, ns);
    }
    return c;
  }

  /** Submits the runs, waits for their end; CPU and writes are read around it. */
  static Result measure(
      KubernetesClient client,
      RunWatcher watcher,
      CompareWork.Shape shape,
      List<String> names,
      Consumer<List<String>> submit,
      String controller,
      long pid)
      throws Exception {
    log("  " + names.size() + " x " + shape.name());
    Map<String, Long> cpu0 = cpu(controller, pid);
    Map<String, Double> w0 = ClusterBenchmark.apiWrites(client);
    long t0 = System.nanoTime();
    submit.accept(names);
    watcher.awaitEnd(names, RUN_TIMEOUT);
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Result(
        names.size() * shape.steps(),
        seconds,
        watcher.handoffs(names, shape),
        diff(cpu0, cpu(controller, pid)),
        diffWrites(w0, ClusterBenchmark.apiWrites(client)),
        load1());
  }

  static void submitBaton(KubernetesClient client, CompareWork.Shape shape, List<String> names) {
    for (String n : names) E2E.apply(client, BATON_NS, Cluster.instanceYaml(n, shape.name()));
  }

  static void submitArgo(
      KubernetesClient client, String ns, CompareWork.Shape shape, List<String> names) {
    for (String n : names) E2E.apply(client, ns, CompareWork.argoWorkflow(shape, n));
  }

  static Watch watchJobs(KubernetesClient client, Map<String, Long> jobAdded) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(BATON_NS)
        .withLabel(Labels.INSTANCE)
        .watch(
            E2E.watcher((action, job) -> {
              if (action == Watcher.Action.ADDED)
                jobAdded.putIfAbsent(
                    ClusterBenchmark.key(job.getMetadata().getLabels()), System.nanoTime());
            }));
  }

  /** Baton's own share: from the last upstream pod Succeeded to the downstream Job's ADDED. */
  static long[] jobHandoffs(RunWatcher w, Map<String, Long> jobAdded, List<String> runs) {
    List<Long> h = new ArrayList<>();
    for (String run : runs) {
      for (var e : CompareWork.DAG.deps().entrySet()) {
        if (e.getValue().isEmpty()) continue;
        Long added = jobAdded.get(run + "/" + e.getKey());
        long latest = 0;
        for (String d : e.getValue())
          latest = Math.max(latest, w.podSucceeded.getOrDefault(run + "/" + d, 0L));
        if (added != null && latest > 0) h.add(added - latest);
      }
    }
    return h.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /**
   * Deletes Argo's Workflows, their pods and its Events in its namespace; waits until no pod is
   * left.
   */
  static void cleanArgo(KubernetesClient client, String ns) {
    client.genericKubernetesResources("argoproj.io/v1alpha1", "Workflow").inNamespace(ns).delete();
    client.pods().inNamespace(ns).delete();
    // Argo's controller records an Event per node: thousands per run, which weigh on the API
    // server (and on the columns measured after it on the same cluster) until their TTL.
    client.v1().events().inNamespace(ns).delete();
    Cluster.await(
        "no pods left in " + ns,
        () -> client.pods().inNamespace(ns).list().getItems().size(),
        n -> n == 0,
        Duration.ofMinutes(10));
  }

  /** CPU so far by process: the cluster's (from its pid files), the controller's, the watcher's. */
  static Map<String, Long> cpu(String controller, long pid) throws Exception {
    Map<String, Long> cpu = new LinkedHashMap<>();
    String dir = System.getProperty("baton.clusterDir", "");
    if (!dir.isBlank() && Files.isDirectory(Path.of(dir, "pids"))) {
      for (String name : ClusterBenchmark.CLUSTER_PROCESSES) {
        Path p = Path.of(dir, "pids", name + ".pid");
        if (Files.exists(p))
          cpu.put(name, ClusterBenchmark.cpuNanos(Long.parseLong(Files.readString(p).strip())));
      }
    }
    if (controller != null) cpu.put(controller, ClusterBenchmark.cpuNanos(pid));
    cpu.put("watcher", ClusterBenchmark.cpuNanos(ProcessHandle.current().pid()));
    return cpu;
  }

  static Map<String, Long> diff(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new LinkedHashMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, v)));
    return d;
  }

  static Map<String, Double> diffWrites(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> d = new LinkedHashMap<>();
    after.forEach((k, v) -> {
      double n = v - before.getOrDefault(k, 0.0);
      if (n > 0) d.put(k, n);
    });
    return d;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }

  static double load1() {
    try {
      return Double.parseDouble(loadAverage().split(" ")[0]);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  static void log(String line) {
    System.err.printf("[compare %tT] %s%n", System.currentTimeMillis(), line);
  }
}
