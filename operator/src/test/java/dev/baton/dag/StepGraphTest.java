package dev.baton.dag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class StepGraphTest {
  /** 0 <- 1 <- 3, 0 <- 2 <- 3, and 4 alone: deps[i] are the steps i depends on. */
  static final int[][] DIAMOND = {{}, {0}, {0}, {1, 2}, {}};

  private static BitSet bits(int... indices) {
    BitSet b = new BitSet();
    for (int i : indices) b.set(i);
    return b;
  }

  @Test
  void aTopologicalOrderPutsEachStepAfterItsDependencies() {
    int[] order = StepGraph.topologicalOrder(DIAMOND);
    assertThat(order).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    int[] position = new int[order.length];
    for (int p = 0; p < order.length; p++) position[order[p]] = p;
    for (int i = 0; i < DIAMOND.length; i++) {
      for (int j : DIAMOND[i]) assertThat(position[j]).isLessThan(position[i]);
    }
    assertThat(StepGraph.cycle(DIAMOND)).isEmpty();
  }

  @Test
  void aCycleHasNoOrderAndIsReportedAlongItsEdges() {
    // 1 depends on 3, 2 on 1, 3 on 2; 0 depends on the cycle but is not part of it.
    int[][] deps = {{1}, {3}, {1}, {2}};
    assertThat(StepGraph.topologicalOrder(deps)).isNull();
    assertThat(StepGraph.cycle(deps)).containsExactly(2, 3, 1);
  }

  @Test
  void ancestorsAreEveryStepReachedThroughDependencies() {
    assertThat(StepGraph.reachable(3, i -> DIAMOND[i])).isEqualTo(bits(0, 1, 2));
    assertThat(StepGraph.reachable(0, i -> DIAMOND[i])).isEqualTo(new BitSet());
  }

  @Test
  void downstreamOfAStepIsItAndEveryStepThatDependsOnIt() {
    CompiledWorkflow wf = Specs.compile(WorkflowCompilerTest.DIAMOND);
    int extract = wf.indexById().get("extract");
    int load = wf.indexById().get("load");
    assertThat(StepGraph.downstreamOf(wf, extract)).isEqualTo(bits(0, 1, 2, 3));
    assertThat(StepGraph.downstreamOf(wf, load))
        .isEqualTo(bits(load, wf.indexById().get("report")));
  }
}
