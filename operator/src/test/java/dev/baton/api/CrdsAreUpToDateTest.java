package dev.baton.api;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * crds/ and the Helm chart's crds/ are generated from the model and committed. This test fails
 * when either differs from what the model generates; {@code scripts/update-crds.sh} rewrites them.
 */
class CrdsAreUpToDateTest {
  static final List<Class<? extends CustomResource<?, ?>>> RESOURCES =
      List.of(Workflow.class, WorkflowInstance.class);

  @TempDir Path tmp;

  @Test
  void committedCrdsMatchTheModel() throws IOException {
    Path root = Path.of(System.getProperty("baton.repoRoot", "..")).toAbsolutePath().normalize();
    boolean update = Boolean.getBoolean("baton.updateCrds");
    List<String> stale = new ArrayList<>();
    for (var resource : RESOURCES) {
      String yaml = generate(resource);
      String file = CustomResource.getCRDName(resource) + ".yaml";
      for (Path dir : List.of(root.resolve("crds"), root.resolve("helm/baton/crds"))) {
        Path target = dir.resolve(file);
        if (update) {
          Files.createDirectories(dir);
          Files.writeString(target, yaml);
        } else if (!Files.exists(target) || !Files.readString(target).equals(yaml)) {
          stale.add(root.relativize(target).toString());
        }
      }
    }
    assertThat(stale)
        .as("CRDs out of date with the Java model; run scripts/update-crds.sh and commit")
        .isEmpty();
  }

  private String generate(Class<? extends CustomResource<?, ?>> resource) throws IOException {
    Path out = Files.createDirectories(tmp.resolve(resource.getSimpleName()));
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
    return "# Generated from dev.baton.api by scripts/update-crds.sh. Do not edit.\n"
        + Serialization.yamlMapper().writeValueAsString(crd).replaceFirst("^---\n", "");
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
