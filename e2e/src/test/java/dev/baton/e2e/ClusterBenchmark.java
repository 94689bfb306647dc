package dev.baton.e2e;

import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The end-to-end benchmark on a real cluster (run by e2e/bench.sh): N concurrent instances of a
 * 20-step DAG whose kwok pods complete at once. An independent watcher, this process, timestamps
 * watch events as they arrive and measures the step hand-off from an upstream pod's Succeeded event
 * to the downstream Job's ADDED event. It reads the operator's CPU time from /proc and its heap
 * from /metrics, and, as the physical limit, measures how fast the same API server accepts plain
 * Job creates from one client. To show where the time goes it also reports, per step, the CPU of
 * every process of the local cluster and the writes the API server served, and how fast the cluster
 * runs one-pod Jobs through to their pods' success with no orchestrator at all.
 */
public final class ClusterBenchmark {
  static final String NS = "bench";
  static final int LAYERS = 3;
  static final int WIDTH = 6;

  public static void main(String[] args) throws Exception {
    int instances = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    try (KubernetesClient client = E2E.admin()) {
      E2E.removeNamespace(client, NS);
      E2E.namespace(client, NS);
      double rawSequential = rawCreateRate(client, 300, 1);
      double rawParallel = rawCreateRate(client, 600, 16);
      E2E.apply(client, NS, workflow());
      double stepsPerSecond;
      try (E2E.Operator operator = E2E.Operator.start("bench")) {
        run(client, operator, 20, false); // warm-up
        stepsPerSecond = run(client, operator, instances, true);
      }
      System.out.printf(
          "raw Job creates from one client: %.0f/s sequential, %.0f/s with 16 threads%n",
          rawSequential, rawParallel);
      int jobs = 1000;
      double lifecycle = lifecycleRate(client, jobs, 16);
      System.out.printf(
          "Kubernetes alone (operator stopped): %d one-pod Jobs created from 16 threads ran to pod Succeeded"
              + " at %.0f Jobs/s; Baton's steps/s is %.0f%% of that%n",
          jobs, lifecycle, 100 * stepsPerSecond / lifecycle);
    } finally {
      try (KubernetesClient client = E2E.admin()) {
        E2E.removeNamespace(client, NS);
      }
    }
  }

  /** Runs {@code instances} at once to their end; returns the steps per second. */
  static double run(KubernetesClient client, E2E.Operator operator, int instances, boolean report)
      throws Exception {
    String prefix = report ? "run-" : "warm-";
    Map<String, Long> podSucceeded = new ConcurrentHashMap<>();
    Map<String, Long> jobAdded = new ConcurrentHashMap<>();
    Watch pods =
        client
            .pods()
            .inNamespace(NS)
            .withLabel(Labels.INSTANCE)
            .watch(
                E2E.watcher((action, pod) -> {
                  long now = System.nanoTime();
                  if (pod.getStatus() != null && "Succeeded".equals(pod.getStatus().getPhase())) {
                    podSucceeded.putIfAbsent(key(pod.getMetadata().getLabels()), now);
                  }
                }));
    Watch jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(NS)
            .withLabel(Labels.INSTANCE)
            .watch(
                E2E.watcher((action, job) -> {
                  if (action == Watcher.Action.ADDED)
                    jobAdded.putIfAbsent(key(job.getMetadata().getLabels()), System.nanoTime());
                }));
    Map<String, String> ended = new ConcurrentHashMap<>();
    Watch runs =
        client
            .resources(WorkflowInstance.class)
            .inNamespace(NS)
            .watch(
                E2E.watcher((action, wi) -> {
                  var st = wi.getStatus();
                  if (wi.getMetadata().getName().startsWith(prefix)
                      && st != null
                      && st.phase != null
                      && st.phase.isFinal()) {
                    ended.putIfAbsent(wi.getMetadata().getName(), st.phase.name());
                  }
                }));
    Map<String, Long> componentCpu0 = componentCpu(operator);
    Map<String, Double> writes0 = apiWrites(client);
    long t0 = System.nanoTime();
    for (int i = 0; i < instances; i++) {
      E2E.apply(client, NS, Cluster.instanceYaml(prefix + i, "bench"));
    }
    // Wait on a watch of the instances, not by polling them, so the watcher adds no load.
    long maxHeap = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    long nextHeapSample = 0;
    while (ended.size() < instances) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException(
            ended.size() + " of " + instances + " runs ended in 10 minutes");
      Thread.sleep(200);
      if (System.nanoTime() >= nextHeapSample) {
        maxHeap = Math.max(maxHeap, heapBytes(operator));
        nextHeapSample = System.nanoTime() + HEAP_SAMPLE_NANOS;
      }
    }
    for (var e : ended.entrySet()) {
      if (!e.getValue().equals("Succeeded"))
        throw new IllegalStateException(e.getKey() + " ended " + e.getValue());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Long> componentCpu1 = componentCpu(operator);
    double cpuSeconds = (componentCpu1.get(OPERATOR) - componentCpu0.get(OPERATOR)) / 1e9;
    Map<String, Double> writes1 = apiWrites(client);
    maxHeap = Math.max(maxHeap, heapBytes(operator));
    pods.close();
    jobs.close();
    runs.close();
    int steps = instances * (2 + LAYERS * WIDTH);
    if (!report) return steps / seconds;

    List<Long> handoffs = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      for (int layer = 0; layer <= LAYERS; layer++) {
        List<String> deps = layer == 0 ? List.of("root") : ids(layer - 1);
        List<String> downstream = layer == LAYERS ? List.of("join") : ids(layer);
        for (String step : downstream) {
          Long added = jobAdded.get(prefix + i + "/" + step);
          long latest = 0;
          for (String d : deps)
            latest = Math.max(latest, podSucceeded.getOrDefault(prefix + i + "/" + d, 0L));
          if (added != null && latest > 0) handoffs.add(added - latest);
        }
      }
    }
    long[] h = handoffs.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf(
        "Baton on a real API server (kwok pods complete at once): %d concurrent instances x %d steps%n",
        instances, 2 + LAYERS * WIDTH);
    System.out.printf(
        "  hand-off, upstream pod Succeeded -> downstream Job ADDED: p50 %.1f ms  p99 %.1f ms  max %.1f ms (%d hand-offs)%n",
        pct(h, 50) / 1e6, pct(h, 99) / 1e6, pct(h, 100) / 1e6, h.length);
    System.out.printf("  %d steps in %.1f s: %.0f steps/s%n", steps, seconds, steps / seconds);
    System.out.printf(
        "  operator: %.1f CPU-seconds (%.0f%% of one core), heap at most %d MB%n",
        cpuSeconds, 100 * cpuSeconds / seconds, maxHeap >> 20);
    System.out.println("  operator's own view: " + operatorView(operator.metrics()));
    if (componentCpu1.keySet().containsAll(CLUSTER_PROCESSES)) {
      StringBuilder line = new StringBuilder("  CPU per step, by process (ms):");
      long total = 0;
      for (var e : componentCpu1.entrySet()) {
        long used = e.getValue() - componentCpu0.getOrDefault(e.getKey(), e.getValue());
        total += used;
        line.append(String.format(" %s %.1f", e.getKey(), used / 1e6 / steps));
      }
      System.out.println(
          line.append(
              String.format(
                  "; all %.1f ms, %.0f%% of the machine's %d cores",
                  total / 1e6 / steps,
                  100 * total / 1e9 / seconds / Runtime.getRuntime().availableProcessors(),
                  Runtime.getRuntime().availableProcessors())));
    }
    if (!writes1.isEmpty()) {
      System.out.println(
          "  API server writes per step: "
              + writesPer(CompareBenchmark.diffWrites(writes0, writes1), steps, 8, true));
    }
    return steps / seconds;
  }

  static final String OPERATOR = "operator";
  static final List<String> CLUSTER_PROCESSES =
      List.of("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler", "kwok");

  /**
   * CPU time used so far by the operator, this watcher and, when the benchmark started the local
   * cluster, every process of it (from its pid files), by name.
   */
  static Map<String, Long> componentCpu(E2E.Operator operator) throws Exception {
    Map<String, Long> cpu = new java.util.LinkedHashMap<>();
    String dir = System.getProperty("baton.clusterDir", "");
    if (!dir.isBlank() && Files.isDirectory(Path.of(dir, "pids"))) {
      for (String name : CLUSTER_PROCESSES) {
        Path pid = Path.of(dir, "pids", name + ".pid");
        if (Files.exists(pid))
          cpu.put(name, cpuNanos(Long.parseLong(Files.readString(pid).strip())));
      }
    }
    cpu.put(OPERATOR, cpuNanos(operator.process.pid()));
    cpu.put("watcher", cpuNanos(ProcessHandle.current().pid()));
    return cpu;
  }

  /** Whether the benchmark started the local cluster (its state dir is known). */
  static boolean onLocalCluster() {
    return !System.getProperty("baton.clusterDir", "").isBlank();
  }

  /**
   * Replaces the local cluster with a new one, Baton's chart installed ({@code e2e/bench-cluster.sh
   * --fresh}: down, up, a new etcd and API server), when the benchmark started the local cluster;
   * does nothing on another cluster. For a benchmark whose second side would otherwise run on what
   * the first left behind: after a 16,000-iteration foreach and its namespace's deletion,
   * Kubernetes alone ran 20,000 Jobs at 18.5 Jobs/s (27.0 on a new cluster), kwok taking 20.3 ms of
   * CPU a Job against 7.0, with 0.44 more pod status writes a Job, though kwok, the controller
   * manager and the scheduler had been restarted: what stays is in the API server or etcd. Clients
   * made before hold the old cluster's certificates: make new ones.
   */
  static void freshCluster() throws Exception {
    if (!onLocalCluster()) return;
    String dir = System.getProperty("baton.clusterDir");
    Path log = E2E.ROOT.resolve("e2e/target/bench-cluster.log");
    ProcessBuilder pb =
        new ProcessBuilder(E2E.ROOT.resolve("e2e/bench-cluster.sh").toString(), "--fresh")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("BATON_CLUSTER_DIR", dir);
    int code = pb.start().waitFor();
    if (code != 0)
      throw new IllegalStateException(
          "e2e/bench-cluster.sh --fresh exited " + code + ", see " + log);
  }

  static final Pattern REQUESTS =
      Pattern.compile("^apiserver_request_total\\{([^}]*)\\} ([0-9.eE+]+)$", Pattern.MULTILINE);
  static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  /**
   * The writes the API server has served, by verb and resource, from its own /metrics (readable by
   * the admin client); empty where they cannot be read.
   */
  static Map<String, Double> apiWrites(KubernetesClient client) {
    Map<String, Double> writes = new java.util.HashMap<>();
    String text;
    try {
      text = client.raw("/metrics");
    } catch (RuntimeException e) {
      return writes;
    }
    if (text == null) return writes;
    Matcher m = REQUESTS.matcher(text);
    while (m.find()) {
      Map<String, String> labels = new java.util.HashMap<>();
      Matcher l = LABEL.matcher(m.group(1));
      while (l.find()) labels.put(l.group(1), l.group(2));
      String verb = labels.getOrDefault("verb", "");
      if (!List.of("POST", "PUT", "PATCH", "DELETE").contains(verb)) continue;
      String sub = labels.getOrDefault("subresource", "");
      String kind =
          verb + " " + labels.getOrDefault("resource", "") + (sub.isEmpty() ? "" : "/" + sub);
      writes.merge(kind, Double.parseDouble(m.group(2)), Double::sum);
    }
    return writes;
  }

  /**
   * API server writes per unit (step, Job or iteration), by verb and resource, most first: at most
   * {@code limit} kinds, those under 0.01 a unit left out; with their sum over every kind when
   * {@code withSum}.
   */
  static String writesPer(Map<String, Double> writes, long units, int limit, boolean withSum) {
    double n = Math.max(1, units);
    StringBuilder text = new StringBuilder();
    writes.entrySet().stream()
        .filter(e -> e.getValue() / n >= 0.01)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(limit)
        .forEach(e -> text.append(String.format("%s %.2f, ", e.getKey(), e.getValue() / n)));
    if (!withSum) return text.isEmpty() ? "" : text.substring(0, text.length() - 2);
    double all = writes.values().stream().mapToDouble(Double::doubleValue).sum();
    return text.append(String.format("all %.2f", all / n)).toString();
  }

  /**
   * How fast the cluster runs Jobs like a step's (one pod, backoffLimit 0, kwok completing it at
   * once) from creation to their pod's Succeeded, with nothing but this client creating them: the
   * rate no Job-based orchestrator can pass on this cluster.
   */
  static double lifecycleRate(KubernetesClient client, int count, int threads) throws Exception {
    return lifecycleRate(client, NS, count, threads, Integer.MAX_VALUE);
  }

  /**
   * The same in namespace {@code ns}, with at most {@code window} Jobs unfinished at once (created,
   * their pod not yet Succeeded), as an orchestrator's concurrency limit would have them.
   */
  static double lifecycleRate(
      KubernetesClient client, String ns, int count, int threads, int window) throws Exception {
    return lifecycleRate(client, ns, count, threads, window, false);
  }

  /**
   * The same with bare pods ({@code bare}: no Job, so no Job controller; what a pod-based runtime
   * such as Argo's would have) or with one-pod Jobs.
   */
  static double lifecycleRate(
      KubernetesClient client, String ns, int count, int threads, int window, boolean bare)
      throws Exception {
    String run = (bare ? "pod-" : "life-") + (System.nanoTime() % 100000);
    Set<String> succeeded = ConcurrentHashMap.newKeySet();
    Semaphore unfinished = new Semaphore(window);
    Watch watch =
        client
            .pods()
            .inNamespace(ns)
            .withLabel("bench", run)
            .watch(
                E2E.watcher((action, pod) -> {
                  if (pod.getStatus() != null
                      && "Succeeded".equals(pod.getStatus().getPhase())
                      && succeeded.add(
                          bare
                              ? pod.getMetadata().getName()
                              : pod.getMetadata()
                                  .getLabels()
                                  .get("batch.kubernetes.io/job-name"))) {
                    unfinished.release();
                  }
                }));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        unfinished.acquire();
        Job job =
            new JobBuilder()
                .withNewMetadata()
                .withName(run + "-" + i)
                .addToLabels("bench", run)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("bench", run)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("main")
                .withImage("busybox:1.36")
                .withCommand("sh", "-c", "true")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        if (bare) {
          Pod pod =
              new io.fabric8.kubernetes.api.model.PodBuilder()
                  .withMetadata(job.getSpec().getTemplate().getMetadata())
                  .editMetadata()
                  .withName(run + "-" + i)
                  .endMetadata()
                  .withSpec(job.getSpec().getTemplate().getSpec())
                  .build();
          futures.add(pool.submit(() -> createOnce(client, ns, pod)));
        } else {
          futures.add(pool.submit(() -> createOnce(client, ns, job)));
        }
      }
      for (Future<?> f : futures) f.get();
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (succeeded.size() < count) {
        if (System.nanoTime() > deadline)
          throw new IllegalStateException(
              succeeded.size() + " of " + count + " Jobs succeeded in 10 minutes");
        Thread.sleep(20);
      }
      return count / ((System.nanoTime() - t0) / 1e9);
    } finally {
      pool.shutdown();
      // Left for the namespace's deletion: deleting a thousand Jobs at once outlasts a request's
      // timeout.
      watch.close();
    }
  }

  /**
   * Creates the Job, trying again when the API server gave no answer (a loaded machine's client
   * timeouts), until it exists: an AlreadyExists answer means an earlier try got through.
   */
  static Job createOnce(KubernetesClient client, String ns, Job job) throws InterruptedException {
    return createOnce(() -> client.batch().v1().jobs().inNamespace(ns).resource(job).create(), job);
  }

  static Pod createOnce(KubernetesClient client, String ns, Pod pod) throws InterruptedException {
    return createOnce(() -> client.pods().inNamespace(ns).resource(pod).create(), pod);
  }

  private static <T> T createOnce(java.util.function.Supplier<T> create, T object)
      throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return create.get();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() == 409) return object;
        if (e.getCode() > 0 || attempt == 10) throw e;
        Thread.sleep(500);
      }
    }
  }

  /**
   * Plain Job creates (no pods run: suspended), from one client, with {@code threads} in flight.
   */
  static double rawCreateRate(KubernetesClient client, int count, int threads) throws Exception {
    String run = Long.toString(System.nanoTime() % 100000);
    long t0 = System.nanoTime();
    createAll(
        client,
        count,
        threads,
        n ->
            new JobBuilder()
                .withNewMetadata()
                .withName("raw-" + run + "-" + n)
                .addToLabels("bench", "raw")
                .endMetadata()
                .withNewSpec()
                .withSuspend(true)
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("main")
                .withImage("busybox:1.36")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build());
    double rate = count / ((System.nanoTime() - t0) / 1e9);
    client.batch().v1().jobs().inNamespace(NS).withLabel("bench", "raw").delete();
    return rate;
  }

  /**
   * Creates Jobs 0 to {@code count - 1} in the namespace, {@code threads} at a time; returns once
   * all are.
   */
  static void createAll(
      KubernetesClient client, int count, int threads, java.util.function.IntFunction<Job> job)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> client.batch().v1().jobs().inNamespace(NS).resource(job.apply(n)).create()));
      }
      for (Future<?> f : futures) f.get();
    } finally {
      pool.shutdown();
    }
  }

  static String workflow() {
    StringBuilder steps =
        new StringBuilder(
            """
            apiVersion: baton.dev/v1alpha1
            kind: Workflow
            metadata:
              name: bench
            spec:
              # All instances run at once: the benchmark measures concurrent runs, not a queue.
              runStrategy: {type: Parallel, concurrency: 10000}
              # Every run kept: the default keeps 100, and the warm-up and the measured runs are more.
              retention: {succeeded: All, failed: All}
              steps:
                - id: root
                  job: &step
                    image: busybox:1.36
                    command: [sh, -c, 'true']
            """);
    String previous = "[root]";
    for (int layer = 0; layer < LAYERS; layer++) {
      for (String id : ids(layer)) {
        steps
            .append("    - {id: ")
            .append(id)
            .append(", dependsOn: ")
            .append(previous)
            .append(", job: *step}\n");
      }
      previous = ids(layer).toString();
    }
    steps.append("    - {id: join, dependsOn: ").append(previous).append(", job: *step}\n");
    return steps.toString();
  }

  static List<String> ids(int layer) {
    List<String> ids = new ArrayList<>();
    for (int j = 0; j < WIDTH; j++) ids.add("l" + layer + "-" + j);
    return ids;
  }

  static String key(Map<String, String> labels) {
    return labels.get(Labels.INSTANCE) + "/" + labels.get(Labels.STEP);
  }

  static long pct(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    return sorted[
        (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))];
  }

  /** utime + stime of a process, from /proc (clock ticks of 10 ms on Linux). */
  static long cpuNanos(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 10_000_000L;
  }

  /**
   * The operator's own view of a hand-off, from its /metrics: p50 and p99, in ms, over the last two
   * minutes or so (Micrometer's window), of its reconcile queue (an instance's Job or Pod event to
   * the reconcile that reads it), of its share from that reconcile to the next Job created, and of
   * that Job's create alone; and of its status writes.
   */
  static String operatorView(String metrics) {
    StringBuilder b = new StringBuilder();
    for (String[] t :
        List.of(
            new String[] {"reconcile queue", "baton_reconcile_wait_seconds"},
            new String[] {"reconcile -> next Job created", "baton_step_launch_seconds"},
            new String[] {"Job create alone", "baton_job_create_seconds"},
            new String[] {"status write", "baton_status_write_seconds"})) {
      if (!b.isEmpty()) b.append("; ");
      b.append(t[0])
          .append(' ')
          .append(millis(metric(metrics, t[1] + "{quantile=\"0.5\"}")))
          .append(" / ")
          .append(millis(metric(metrics, t[1] + "{quantile=\"0.99\"}")));
    }
    return b.append(" ms (p50 / p99)").toString();
  }

  private static String millis(String seconds) {
    try {
      return String.format("%.0f", Double.parseDouble(seconds) * 1000);
    } catch (NumberFormatException e) {
      return "?";
    }
  }

  static String metric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) return line.substring(name.length() + 1);
    }
    return "?";
  }

  /**
   * How often the operator's heap is read, from its /metrics. A scrape is not free: read every 200
   * ms it was 13% of the operator's CPU in a profile of this benchmark.
   */
  static final long HEAP_SAMPLE_NANOS = Duration.ofSeconds(2).toNanos();

  static final Pattern HEAP =
      Pattern.compile(
          "^jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\} ([0-9.eE+]+)$", Pattern.MULTILINE);

  static long heapBytes(E2E.Operator operator) {
    try {
      Matcher m = HEAP.matcher(operator.metrics());
      double sum = 0;
      while (m.find()) sum += Double.parseDouble(m.group(1));
      return (long) sum;
    } catch (Exception e) {
      return 0;
    }
  }
}
