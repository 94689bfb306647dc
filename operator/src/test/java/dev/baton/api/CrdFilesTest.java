package dev.baton.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs are checked by the build (see {@link CrdFiles}); this checks what makes that
 * check meaningful: the output depends on the model only, and keeps the post-processing.
 */
class CrdFilesTest {

  @Test
  void generatingTwiceWritesTheSameBytes() throws IOException {
    for (var resource : CrdFiles.RESOURCES) {
      assertThat(CrdFiles.generate(resource))
          .as(resource.getSimpleName())
          .isEqualTo(CrdFiles.generate(resource));
    }
  }

  @Test
  void printerColumnsKeepTheOrderTheModelDeclares() throws IOException {
    for (var resource : CrdFiles.RESOURCES) {
      var crd =
          Serialization.unmarshal(CrdFiles.generate(resource), CustomResourceDefinition.class);
      var declared =
          Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
              .map(AdditionalPrinterColumn::name)
              .toList();
      assertThat(declared).as(resource.getSimpleName() + " declares printer columns").isNotEmpty();
      assertThat(crd.getSpec().getVersions())
          .allSatisfy(v ->
              assertThat(
                      v.getAdditionalPrinterColumns().stream()
                          .map(CustomResourceColumnDefinition::getName))
                  .containsExactlyElementsOf(declared));
    }
  }

  @Test
  void eachFileSaysItIsGenerated() throws IOException {
    for (var resource : CrdFiles.RESOURCES) {
      assertThat(CrdFiles.generate(resource)).startsWith("# Generated from dev.baton.api");
    }
  }

  @Test
  void everyStatusIsOneAtomicField() throws IOException {
    for (var resource : CrdFiles.RESOURCES) {
      var crd =
          Serialization.unmarshal(CrdFiles.generate(resource), CustomResourceDefinition.class);
      assertThat(crd.getSpec().getVersions())
          .allSatisfy(v -> {
            var status = v.getSchema().getOpenAPIV3Schema().getProperties().get("status");
            assertThat(status.getType()).isEqualTo("object");
            assertThat(status.getXKubernetesMapType())
                .as(resource.getSimpleName())
                .isEqualTo("atomic");
          });
    }
  }
}
