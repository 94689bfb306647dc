package dev.baton.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * What most end-to-end test classes share: an admin client, the class's namespaces and, for a class
 * that serves all its tests with one, an operator process; all made in the class's
 * {@code @BeforeAll} (in the order the class needs) and ended after its last test. The fields are
 * static, as JUnit runs these classes one at a time.
 */
abstract class OnCluster {
  static KubernetesClient client;

  /** The class's operator, when it starts one with {@link #startOperator}; closed after it. */
  static E2E.Operator operator;

  private static final List<String> namespaces = new ArrayList<>();

  /**
   * Opens the admin client and makes each namespace (see {@link E2E#namespace}); they are deleted
   * after the class's last test.
   */
  static void open(String... names) {
    client = E2E.admin();
    for (String name : names) {
      E2E.namespace(client, name);
      namespaces.add(name);
    }
  }

  /** Makes a namespace with labels (see {@link E2E#namespace}), deleted after the last test. */
  static void namespace(String name, Map<String, String> labels) {
    E2E.namespace(client, name, labels);
    namespaces.add(name);
  }

  /** Starts the operator that serves the class; it is stopped after the class's last test. */
  static void startOperator(String name) throws Exception {
    operator = E2E.Operator.start(name);
  }

  @AfterAll
  static void closeCluster() throws Exception {
    try {
      if (operator != null) operator.close();
    } finally {
      operator = null;
      if (client != null) {
        for (String name : namespaces) client.namespaces().withName(name).delete();
        client.close();
      }
      client = null;
      namespaces.clear();
    }
  }
}
