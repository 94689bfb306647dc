package dev.baton.e2e;

import dev.baton.api.Json;
import dev.baton.api.StepState;
import dev.baton.api.StepStatus;
import dev.baton.api.WorkflowInstance;
import dev.baton.runtime.Labels;
import dev.baton.testing.Cluster;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fault injection on the local cluster (run by e2e/faults.sh): N runs of a workflow with several
 * job steps, two of which fail their first attempt and are retried after 1 s, plus one run in ten
 * of a workflow whose step fails every attempt; while they run, one fault at a time:
 *
 * <ol>
 *   <li>kill -9 of the operator, then a new operator;
 *   <li>a restart of the kube-apiserver (e2e/cluster/cluster.sh restart kube-apiserver);
 *   <li>a restart of etcd;
 *   <li>the operator cut off from the API server (a TCP proxy between them refuses connections and
 *       drops the open ones) for 60 s.
 * </ol>
 *
 * <p>The operator always reaches the API server through the proxy, with a copy of the chart's
 * ServiceAccount kubeconfig. Like a kubelet, the benchmark starts a new operator when the one
 * running exits (the operator exits when it loses its Lease), once the API server is reachable.
 *
 * <p>This process is the independent witness: informers on Jobs and WorkflowInstances record every
 * Job ever seen per (instance, step path, attempt) and every instance object's size. After each
 * fault, when every run has ended, it prints the final phases against the expected ones, the keys
 * with more than one Job (must be 0), steps lost (an expected attempt with no Job, or a step not in
 * a final state), attempts beyond the expected ones, the largest instance object (must stay under 1
 * MiB) and the time to recover. Exits 1 if any check fails.
 *
 * <p>{@code --foreach M --repeat R [--concurrency C]}: R runs, one after another, of a foreach of M
 * iterations (one job step each), every Job counted per (step path, attempt): exactly one each.
 */
public final class FaultsBenchmark {
  static final long MIB = 1 << 20;
  static final Path TARGET = E2E.ROOT.resolve("e2e/target");

  enum Fault {
    OPERATOR_KILL("operator-kill", "kill -9 of the operator, then a new one"),
    APISERVER_RESTART("apiserver-restart", "kube-apiserver stopped and started again"),
    ETCD_RESTART("etcd-restart", "etcd stopped and started again"),
    PARTITION("partition", "operator cut off from the API server");

    final String slug;
    final String description;

    Fault(String slug, String description) {
      this.slug = slug;
      this.description = description;
    }
  }

  public static void main(String[] args) throws Exception {
    int n = 100;
    int foreach = 0;
    int repeat = 1;
    int concurrency = 100;
    int cutSeconds = 60;
    List<Fault> faults = new ArrayList<>(List.of(Fault.values()));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--foreach" -> foreach = Integer.parseInt(args[++i]);
        case "--repeat" -> repeat = Integer.parseInt(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--cut" -> cutSeconds = Integer.parseInt(args[++i]);
        case "--only" -> {
          faults.clear();
          for (String f : args[++i].split(",")) {
            faults.add(
                java.util.Arrays.stream(Fault.values())
                    .filter(x -> x.slug.equals(f))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown fault " + f)));
          }
        }
        default -> n = Integer.parseInt(args[i]);
      }
    }
    boolean ok;
    try (KubernetesClient client = E2E.admin();
        Proxy proxy = Proxy.to(client.getConfiguration().getMasterUrl());
        // The foreach needs no partition: its operator talks to the API server directly.
        Supervisor operator =
            new Supervisor(
                proxy,
                foreach > 0 ? E2E.Operator.operatorKubeconfig() : proxy.kubeconfig().toString())) {
      ok =
          foreach > 0
              ? foreach(client, operator, foreach, repeat, concurrency)
              : faults(client, operator, proxy, n, faults, cutSeconds);
    }
    System.out.println(ok ? "all checks passed" : "SOME CHECKS FAILED");
    System.exit(ok ? 0 : 1);
  }

  // ---------------------------------------------------------------------------------------------
  // The faults
  // ---------------------------------------------------------------------------------------------

  /** The steps of the workflow every healthy run follows, with their expected attempts. */
  static final List<String> GOOD_KEYS =
      List.of("extract#1", "left#1", "left#2", "right#1", "join#1", "join#2", "publish#1");

  /** The doomed workflow: its step fails both attempts, and the run fails. */
  static final List<String> DOOMED_KEYS = List.of("extract#1", "doom#1", "doom#2");

  static boolean faults(
      KubernetesClient client,
      Supervisor operator,
      Proxy proxy,
      int n,
      List<Fault> faults,
      int cutSeconds)
      throws Exception {
    List<String> report = new ArrayList<>();
    boolean ok = true;
    for (Fault fault : faults) {
      String ns = "faults-" + fault.slug;
      E2E.removeNamespace(client, ns);
      E2E.namespace(client, ns);
      E2E.apply(client, ns, workflows(Math.max(n, 1)));
      try (Witness w = new Witness(client, ns)) {
        long t0 = System.nanoTime();
        int doomed = 0;
        for (int i = 0; i < n; i++) {
          boolean doom = i % 10 == 9;
          if (doom) doomed++;
          E2E.apply(
              client,
              ns,
              Cluster.instanceYaml(
                  (doom ? "doomed-" : "run-") + i, doom ? "faults-doomed" : "faults-retrying"));
        }
        int expectedJobs = (n - doomed) * GOOD_KEYS.size() + doomed * DOOMED_KEYS.size();
        Cluster.await(
            "a third of the Jobs created in " + ns,
            w.jobsSeen::get,
            seen -> seen >= Math.max(1, expectedJobs / 3),
            Duration.ofMinutes(10));
        int unfinished = n - w.ended.size();
        System.out.printf(
            "%s: %s with %d of %d runs unfinished and %d of %d Jobs created%n",
            fault.slug, fault.description, unfinished, n, w.jobsSeen.get(), expectedJobs);
        long f0 = System.nanoTime();
        switch (fault) {
          case OPERATOR_KILL -> operator.killAndReplace();
          case APISERVER_RESTART -> cluster("restart", "kube-apiserver");
          case ETCD_RESTART -> cluster("restart", "etcd");
          case PARTITION -> {
            proxy.cut();
            Thread.sleep(cutSeconds * 1000L);
            proxy.restore();
          }
        }
        long f1 = System.nanoTime();
        Instant faultEnd = Instant.now();
        boolean allEnded = w.awaitAllEnded(client, n, Duration.ofMinutes(15));
        long f2 = System.nanoTime();
        w.collectFinal(client);
        Result r = w.check(n);
        r.fault = fault;
        r.unfinishedAtFault = unfinished;
        r.outageSeconds = (f1 - f0) / 1e9;
        r.endedSeconds = (f2 - f1) / 1e9;
        r.totalSeconds = (f2 - t0) / 1e9;
        r.allEnded = allEnded;
        r.firstJobAfter = w.firstJobCreatedAtOrAfter(faultEnd);
        r.operatorRestarts = operator.restarts.get();
        String line = r.format();
        System.out.println(line);
        for (String problem : r.problems) System.out.println("  ! " + problem);
        report.add(line);
        ok &= r.passed();
      }
      E2E.removeNamespace(client, ns);
    }
    System.out.printf(
        "%nFaults with %d runs each (%d%% doomed: their step fails every attempt), one fault at a time:%n",
        n, 10);
    for (String line : report) System.out.println(line);
    return ok;
  }

  static String workflows(int concurrency) {
    return """
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: faults-retrying
    spec:
      runStrategy: {type: Parallel, concurrency: %d}
      retention: {succeeded: All, failed: All}   # the default keeps 100: a fault may have more
      steps:
        - id: extract
          job: &step
            image: busybox:1.36
            command: [sh, -c, 'sleep 2']
            podTemplate:
              metadata:
                annotations:
                  baton.dev/fake-duration: 2s
        - id: left
          dependsOn: [extract]
          retry: &retry
            userErrors: 2
            backoff: {type: fixed, delay: 1s}
          job: &flaky
            image: busybox:1.36
            command: [sh, -c, 'sleep 2']
            podTemplate:
              metadata:
                annotations:
                  baton.dev/fake-duration: 2s
                  baton.dev/fake-fail-first-attempt: "3"
        - {id: right, dependsOn: [extract], job: *step}
        - {id: join, dependsOn: [left, right], retry: *retry, job: *flaky}
        - {id: publish, dependsOn: [join], job: *step}
    ---
    apiVersion: baton.dev/v1alpha1
    kind: Workflow
    metadata:
      name: faults-doomed
    spec:
      runStrategy: {type: Parallel, concurrency: %d}
      retention: {succeeded: All, failed: All}   # the default keeps 100: a fault may have more
      steps:
        - id: extract
          job: &step
            image: busybox:1.36
            command: [sh, -c, 'sleep 2']
            podTemplate:
              metadata:
                annotations:
                  baton.dev/fake-duration: 2s
        - id: doom
          dependsOn: [extract]
          retry:
            userErrors: 1
            backoff: {type: fixed, delay: 1s}
          job:
            image: busybox:1.36
            command: [sh, -c, 'exit 2']
            podTemplate:
              metadata:
                annotations:
                  baton.dev/fake-duration: 2s
                  baton.dev/fake-exit-code: "2"
        - {id: after, dependsOn: [doom], job: *step}
    """
        .formatted(concurrency, concurrency);
  }

  static final class Result {
    Fault fault;
    int runs;
    int unfinishedAtFault;
    Map<String, Integer> phases = new TreeMap<>();
    int wrongPhase;
    int duplicateKeys;
    int lost;
    int extraAttempts;
    long largest;
    int jobs;
    double outageSeconds;
    double endedSeconds;
    double totalSeconds;
    Double firstJobAfter;
    boolean allEnded;
    int operatorRestarts;
    List<String> problems = new ArrayList<>();

    boolean passed() {
      return allEnded && wrongPhase == 0 && duplicateKeys == 0 && lost == 0 && largest < MIB;
    }

    String format() {
      return String.format(
          "  %-18s %s | runs unfinished at the fault %d/%d | final phases %s, wrong %d | Jobs %d,"
              + " keys with >1 Job %d, steps lost %d, attempts beyond the expected %d | largest"
              + " instance %d KB | outage %.1f s, first Job created %s after the fault ended, all"
              + " runs ended %.1f s after it | operator starts by the supervisor so far %d",
          fault.slug,
          passed() ? "PASS" : "FAIL",
          unfinishedAtFault,
          runs,
          phases,
          wrongPhase,
          jobs,
          duplicateKeys,
          lost,
          extraAttempts,
          largest >> 10,
          outageSeconds,
          firstJobAfter == null ? "never" : String.format("%.0f s", firstJobAfter),
          endedSeconds,
          operatorRestarts);
    }
  }

  /**
   * Everything the test sees of one namespace's runs, through informers (which relist after an
   * outage): every Job per (instance, step path, attempt), by uid, and the largest instance.
   */
  static final class Witness implements AutoCloseable {
    final String ns;
    final Map<String, Set<String>> jobsByKey = new ConcurrentHashMap<>();
    final Map<String, Instant> jobCreated = new ConcurrentHashMap<>();
    final AtomicInteger jobsSeen = new AtomicInteger();
    final Map<String, WorkflowInstance> latest = new ConcurrentHashMap<>();
    final Map<String, String> ended = new ConcurrentHashMap<>();
    final AtomicLong largest = new AtomicLong();
    final SharedIndexInformer<Job> jobs;
    final SharedIndexInformer<WorkflowInstance> instances;

    Witness(KubernetesClient client, String ns) {
      this.ns = ns;
      jobs =
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(ns)
              .withLabel(Labels.INSTANCE)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Job job) {
                      record(job);
                    }

                    @Override
                    public void onUpdate(Job old, Job job) {
                      record(job);
                    }

                    @Override
                    public void onDelete(Job job, boolean unknown) {
                      record(job);
                    }
                  },
                  0);
      instances =
          client
              .resources(WorkflowInstance.class)
              .inNamespace(ns)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(WorkflowInstance wi) {
                      see(wi);
                    }

                    @Override
                    public void onUpdate(WorkflowInstance old, WorkflowInstance wi) {
                      see(wi);
                    }

                    @Override
                    public void onDelete(WorkflowInstance wi, boolean unknown) {}
                  },
                  0);
    }

    void record(Job job) {
      String key =
          job.getMetadata().getLabels().get(Labels.INSTANCE)
              + "|"
              + E2E.stepPath(job)
              + "#"
              + job.getMetadata().getLabels().get(Labels.ATTEMPT);
      if (jobsByKey
          .computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet())
          .add(job.getMetadata().getUid())) {
        jobsSeen.incrementAndGet();
        String created = job.getMetadata().getCreationTimestamp();
        if (created != null) jobCreated.put(job.getMetadata().getUid(), Instant.parse(created));
      }
    }

    void see(WorkflowInstance wi) {
      largest.accumulateAndGet(Json.write(wi).getBytes(StandardCharsets.UTF_8).length, Math::max);
      latest.put(wi.getMetadata().getName(), wi);
      var st = wi.getStatus();
      if (st != null && st.phase != null && st.phase.isFinal())
        ended.put(wi.getMetadata().getName(), st.phase.name());
    }

    /** Until every run has ended; the informer is the witness, a list every 15 s a fallback. */
    boolean awaitAllEnded(KubernetesClient client, int n, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      long nextList = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (ended.size() < n) {
        if (System.nanoTime() > deadline) return false;
        Thread.sleep(250);
        if (System.nanoTime() > nextList) {
          nextList = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
          try {
            client
                .resources(WorkflowInstance.class)
                .inNamespace(ns)
                .list()
                .getItems()
                .forEach(this::see);
          } catch (RuntimeException e) {
            // the API server may still be coming back
          }
        }
      }
      return true;
    }

    /** Adds what a final list shows (a Job created and deleted while the watch was down). */
    void collectFinal(KubernetesClient client) {
      Cluster.await(
          "a list of the Jobs in " + ns,
          () -> {
            try {
              client
                  .batch()
                  .v1()
                  .jobs()
                  .inNamespace(ns)
                  .withLabel(Labels.INSTANCE)
                  .list()
                  .getItems()
                  .forEach(this::record);
              client
                  .resources(WorkflowInstance.class)
                  .inNamespace(ns)
                  .list()
                  .getItems()
                  .forEach(this::see);
              return true;
            } catch (RuntimeException e) {
              return false;
            }
          },
          done -> done,
          Duration.ofMinutes(2));
    }

    Double firstJobCreatedAtOrAfter(Instant t) {
      // creationTimestamp has whole seconds: a Job created in the second the fault ended counts
      // (none is created during one: the operator is down, or cut off, or the API server is).
      Instant from = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      return jobCreated.values().stream()
          .filter(c -> !c.isBefore(from))
          .min(Instant::compareTo)
          .map(c -> Math.max(0, Duration.between(t, c).toMillis() / 1000.0))
          .orElse(null);
    }

    Result check(int n) {
      Result r = new Result();
      r.runs = n;
      r.largest = largest.get();
      r.jobs = jobsSeen.get();
      for (int i = 0; i < n; i++) {
        boolean doom = i % 10 == 9;
        String name = (doom ? "doomed-" : "run-") + i;
        String want = doom ? "Failed" : "Succeeded";
        String phase = ended.getOrDefault(name, "unfinished");
        r.phases.merge(phase, 1, Integer::sum);
        if (!phase.equals(want)) {
          r.wrongPhase++;
          WorkflowInstance wi = latest.get(name);
          r.problems.add(
              name
                  + " ended "
                  + phase
                  + " (expected "
                  + want
                  + "): "
                  + (wi == null || wi.getStatus() == null ? "no status" : wi.getStatus().message));
        }
        List<String> expected = doom ? DOOMED_KEYS : GOOD_KEYS;
        for (String k : expected) {
          if (!jobsByKey.containsKey(name + "|" + k)) {
            r.lost++;
            r.problems.add(name + ": no Job for " + k);
          }
        }
        WorkflowInstance wi = latest.get(name);
        if (wi != null && wi.getStatus() != null && wi.getStatus().steps != null) {
          for (Map.Entry<String, StepStatus> s : wi.getStatus().steps.entrySet()) {
            StepState state = s.getValue().state;
            if (state == null || !state.isFinal()) {
              r.lost++;
              r.problems.add(name + ": step " + s.getKey() + " left " + state);
            }
          }
        }
      }
      for (Map.Entry<String, Set<String>> e : jobsByKey.entrySet()) {
        if (e.getValue().size() > 1) {
          r.duplicateKeys++;
          r.problems.add(e.getKey() + " has " + e.getValue().size() + " Jobs: " + e.getValue());
        }
        String name = e.getKey().substring(0, e.getKey().indexOf('|'));
        String k = e.getKey().substring(e.getKey().indexOf('|') + 1);
        List<String> expected = name.startsWith("doomed-") ? DOOMED_KEYS : GOOD_KEYS;
        if (!expected.contains(k)) {
          r.extraAttempts++;
          WorkflowInstance wi = latest.get(name);
          String step = k.substring(0, k.indexOf('#'));
          StepStatus st =
              wi == null || wi.getStatus() == null || wi.getStatus().steps == null
                  ? null
                  : wi.getStatus().steps.get(step);
          r.problems.add(
              e.getKey()
                  + ": an attempt beyond the expected ones"
                  + (st == null
                      ? ""
                      : String.format(
                          " (step %s, attempt %s, userErrors %s, platformErrors %s, timeouts %s: %s)",
                          st.state,
                          st.attempt,
                          st.userErrors,
                          st.platformErrors,
                          st.timeouts,
                          st.message)));
        }
      }
      return r;
    }

    @Override
    public void close() {
      jobs.close();
      instances.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The foreach
  // ---------------------------------------------------------------------------------------------

  static boolean foreach(
      KubernetesClient client, Supervisor operator, int iterations, int repeat, int concurrency)
      throws Exception {
    String ns = "faults-foreach";
    E2E.removeNamespace(client, ns);
    E2E.namespace(client, ns);
    String from = "2020-01-01";
    String to = LocalDate.parse(from).plusDays(iterations - 1).toString();
    E2E.apply(client, ns, ForeachBenchmark.bigLoop(concurrency, from, to));
    boolean ok = true;
    List<String> lines = new ArrayList<>();
    try (Witness w = new Witness(client, ns)) {
      for (int r = 1; r <= repeat; r++) {
        String name = "loop-" + r;
        long t0 = System.nanoTime();
        E2E.apply(client, ns, Cluster.instanceYaml(name, "big-loop"));
        Cluster.await(
            name + " ended", () -> w.ended.get(name), p -> p != null, Duration.ofMinutes(60));
        double seconds = (System.nanoTime() - t0) / 1e9;
        w.collectFinal(client);
        Map<String, Set<String>> mine = new TreeMap<>();
        w.jobsByKey.forEach((k, v) -> {
          if (k.startsWith(name + "|")) mine.put(k, v);
        });
        long jobs = mine.values().stream().mapToLong(Set::size).sum();
        long dup = mine.values().stream().filter(v -> v.size() > 1).count();
        long firstAttempts = mine.keySet().stream().filter(k -> k.endsWith("#1")).count();
        long otherAttempts = mine.size() - firstAttempts;
        String phase = w.ended.get(name);
        boolean pass =
            phase.equals("Succeeded")
                && dup == 0
                && firstAttempts == iterations
                && jobs == iterations
                && w.largest.get() < MIB;
        ok &= pass;
        String line =
            String.format(
                "  %s %s: %s in %.0f s (%.1f iterations/s) | Jobs %d for %d (step path, attempt)"
                    + " keys, %d keys with >1 Job, %d iterations with no Job, %d retries |"
                    + " largest instance so far %d KB",
                name,
                pass ? "PASS" : "FAIL",
                phase,
                seconds,
                iterations / seconds,
                jobs,
                mine.size(),
                dup,
                iterations - firstAttempts,
                otherAttempts,
                w.largest.get() >> 10);
        System.out.println(line);
        mine.forEach((k, v) -> {
          if (v.size() > 1) System.out.println("  ! " + k + " has " + v.size() + " Jobs");
        });
        lines.add(line);
        // Lighten the cluster for the next run (counted already). Best effort: the API server
        // goes on deleting after the client's timeout.
        try {
          client
              .batch()
              .v1()
              .jobs()
              .inNamespace(ns)
              .withLabel(Labels.INSTANCE, name)
              .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
              .delete();
        } catch (RuntimeException e) {
          System.out.println("  (deleting " + name + "'s Jobs: " + e.getMessage() + ")");
        }
      }
    }
    System.out.printf(
        "%nA foreach of %d iterations (one job step each) at concurrency %d, %d runs; operator starts %d:%n",
        iterations, concurrency, repeat, operator.restarts.get());
    for (String line : lines) System.out.println(line);
    E2E.removeNamespace(client, ns);
    return ok;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers: the cluster script, the proxy, the operator's supervisor
  // ---------------------------------------------------------------------------------------------

  /** e2e/cluster/cluster.sh with these arguments, its output printed indented. */
  static void cluster(String... args) throws IOException, InterruptedException {
    String out = E2E.cluster(args);
    System.out.print(out.lines().map(l -> "    " + l + "\n").reduce("", String::concat));
  }

  /**
   * A TCP relay from a local port to the API server, which can refuse new connections and drop the
   * open ones: a network partition between the operator and the API server, and nothing else.
   */
  static final class Proxy implements AutoCloseable {
    final String host;
    final int targetPort;
    final int port;
    final Set<Socket> open = ConcurrentHashMap.newKeySet();
    volatile ServerSocket server;
    volatile boolean cut;

    private Proxy(String host, int targetPort) throws IOException {
      this.host = host;
      this.targetPort = targetPort;
      server = new ServerSocket(0, 200, InetAddress.getByName(host));
      port = server.getLocalPort();
      accept(server);
    }

    static Proxy to(String masterUrl) throws IOException {
      URI uri = URI.create(masterUrl);
      return new Proxy(uri.getHost(), uri.getPort() == -1 ? 443 : uri.getPort());
    }

    /** A copy of the operator's kubeconfig whose server is this proxy. */
    Path kubeconfig() throws IOException {
      String text = Files.readString(Path.of(E2E.Operator.operatorKubeconfig()));
      Matcher m = Pattern.compile("server: *\"?https://([^\",}\\s]+)").matcher(text);
      if (!m.find()) throw new IllegalStateException("no server in the operator's kubeconfig");
      String proxied = text.replace(m.group(1), host + ":" + port);
      Path out = TARGET.resolve("operator-proxied.kubeconfig");
      Files.createDirectories(TARGET);
      Files.writeString(out, proxied);
      return out;
    }

    private void accept(ServerSocket s) {
      Thread.ofPlatform()
          .daemon()
          .name("proxy-accept")
          .start(() -> {
            while (!s.isClosed()) {
              try {
                Socket client = s.accept();
                Socket upstream;
                try {
                  upstream = new Socket(host, targetPort);
                } catch (IOException e) {
                  client.close();
                  continue;
                }
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
              } catch (IOException e) {
                // closed by cut()
              }
            }
          });
    }

    private void pump(Socket from, Socket to) {
      Thread.ofVirtual()
          .start(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
              int r;
              while ((r = in.read(buf)) >= 0) out.write(buf, 0, r);
            } catch (IOException e) {
              // dropped
            } finally {
              closeQuietly(from);
              closeQuietly(to);
            }
          });
    }

    private void closeQuietly(Socket s) {
      open.remove(s);
      try {
        s.close();
      } catch (IOException e) {
        // nothing to do
      }
    }

    /** Refuses new connections (nothing listens) and drops the open ones. */
    synchronized void cut() throws IOException {
      cut = true;
      server.close();
      for (Socket s : List.copyOf(open)) closeQuietly(s);
      System.out.printf("    proxy: cut (port %d refuses, %s dropped)%n", port, "open connections");
    }

    synchronized void restore() throws IOException {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 200);
      server = s;
      cut = false;
      accept(s);
      System.out.printf("    proxy: restored on port %d%n", port);
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : List.copyOf(open)) closeQuietly(s);
    }
  }

  /**
   * The operator as a Deployment's kubelet would keep it: when it exits (it does when it loses its
   * Lease), a new one is started once the API server is reachable again.
   */
  static final class Supervisor implements AutoCloseable {
    final Proxy proxy;
    final String kubeconfig;
    final AtomicInteger restarts = new AtomicInteger();
    final AtomicInteger generation = new AtomicInteger();
    volatile E2E.Operator current;
    volatile boolean closing;
    final Thread watcher;

    Supervisor(Proxy proxy, String kubeconfig) throws IOException {
      this.proxy = proxy;
      this.kubeconfig = kubeconfig;
      current = E2E.Operator.start(nextName(), kubeconfig);
      watcher = Thread.ofPlatform().daemon().name("supervisor").start(this::watch);
    }

    private String nextName() {
      return "faults-" + generation.incrementAndGet();
    }

    private void watch() {
      while (!closing) {
        try {
          Thread.sleep(500);
          synchronized (this) {
            if (closing || current.process.isAlive()) continue;
            if (proxy.cut) continue;
            System.out.printf(
                "    supervisor: operator %s exited (%d); starting a new one%n",
                current.log.getFileName(), current.process.exitValue());
            restarts.incrementAndGet();
            current = E2E.Operator.start(nextName(), kubeconfig);
          }
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          System.out.println("    supervisor: could not start an operator: " + e.getMessage());
        }
      }
    }

    synchronized void killAndReplace() throws Exception {
      current.kill();
      Thread.sleep(1000);
      restarts.incrementAndGet();
      current = E2E.Operator.start(nextName(), kubeconfig);
    }

    @Override
    public void close() throws Exception {
      closing = true;
      watcher.interrupt();
      synchronized (this) {
        current.close();
      }
    }
  }
}
