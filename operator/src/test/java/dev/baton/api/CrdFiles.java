package dev.baton.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CRDs of the model, as committed in crds/ and the Helm chart's crds/. The build writes them
 * there (operator/pom.xml runs {@link #main} at process-test-classes), and scripts/test.sh fails
 * when that changed them, so the committed files are always the generated ones. It lives with the
 * tests because the generator is a test-scoped dependency, kept out of the operator's jar.
 */
public final class CrdFiles {
  static final List<Class<? extends CustomResource<?, ?>>> RESOURCES =
      List.of(Workflow.class, WorkflowInstance.class, Signal.class);

  private CrdFiles() {}

  /** Writes every CRD, as {@code <crd name>.yaml}, into each of the given directories. */
  public static void main(String... dirs) throws IOException {
    for (var resource : RESOURCES) {
      String yaml = generate(resource);
      for (String dir : dirs) {
        Path target = Files.createDirectories(Path.of(dir)).resolve(fileName(resource));
        Files.writeString(target, yaml);
      }
    }
  }

  static String fileName(Class<? extends CustomResource<?, ?>> resource) {
    return CustomResource.getCRDName(resource) + ".yaml";
  }

  static String generate(Class<? extends CustomResource<?, ?>> resource) throws IOException {
    Path out = Files.createTempDirectory("baton-crd-");
    try {
      new CRDGenerator()
          .inOutputDir(out.toFile())
          .forCRDVersions("v1")
          .customResourceClasses(resource)
          .generate();
      Path generated;
      try (var files = Files.list(out)) {
        generated = files.findFirst().orElseThrow();
      }
      JsonNode crd = Serialization.yamlMapper().readTree(generated.toFile());
      orderPrinterColumnsAsDeclared(crd, resource);
      statusIsAtomic(crd);
      return "# Generated from dev.baton.api by scripts/update-crds.sh. Do not edit.\n"
          + Serialization.yamlMapper().writeValueAsString(crd).replaceFirst("^---\n", "");
    } finally {
      try (Stream<Path> files = Files.walk(out)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
      }
    }
  }

  /**
   * Marks each version's status {@code x-kubernetes-map-type: atomic}: the operator is its one
   * writer and replaces it whole (see dev.baton.runtime.StatusReplacer), so field management need
   * not track it field by field. The API server then records one field, {@code f:status}, in
   * managedFields instead of every step, iteration and definition key, and does not walk the status
   * to compute them on each write.
   */
  private static void statusIsAtomic(JsonNode crd) {
    for (JsonNode version : crd.path("spec").path("versions")) {
      JsonNode status =
          version.path("schema").path("openAPIV3Schema").path("properties").get("status");
      if (status instanceof ObjectNode node) node.put("x-kubernetes-map-type", "atomic");
    }
  }

  /** The generator sorts printer columns; kubectl shows them in the order the model declares. */
  private static void orderPrinterColumnsAsDeclared(JsonNode crd, Class<?> resource) {
    List<String> declared =
        Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    for (JsonNode version : crd.path("spec").path("versions")) {
      ArrayNode columns = (ArrayNode) version.get("additionalPrinterColumns");
      if (columns == null) continue;
      List<JsonNode> sorted = new ArrayList<>();
      columns.forEach(sorted::add);
      sorted.sort(Comparator.comparingInt(c -> declared.indexOf(c.path("name").asText())));
      columns.removeAll();
      columns.addAll(sorted);
      ((ObjectNode) version).set("additionalPrinterColumns", columns);
    }
  }
}
