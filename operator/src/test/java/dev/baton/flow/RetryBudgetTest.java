package dev.baton.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.Backoff;
import dev.baton.api.RetryPolicy;
import dev.baton.flow.RetryBudget.GiveUp;
import dev.baton.flow.RetryBudget.Retry;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  @Test
  void aUserErrorIsRetriedWithTheBackoffWhileTheBudgetLasts() {
    assertThat(RetryBudget.after(FailureKind.USER, 2, null, 2))
        .isEqualTo(new Retry(Backoff.delayBefore(null, 2)));
    assertThat(RetryBudget.after(FailureKind.USER, 3, null, 3))
        .isEqualTo(new GiveUp(" (user retries used: 2)"));
  }

  @Test
  void eachKindHasItsOwnBudget() {
    RetryPolicy policy = new RetryPolicy();
    policy.userErrors = 0;
    policy.platformErrors = 1;
    assertThat(RetryBudget.after(FailureKind.USER, 1, policy, 1)).isInstanceOf(GiveUp.class);
    assertThat(RetryBudget.after(FailureKind.PLATFORM, 1, policy, 1)).isInstanceOf(Retry.class);
    assertThat(RetryBudget.after(FailureKind.TIMEOUT, 1, policy, 1))
        .isEqualTo(new GiveUp(" (timeout retries used: 0)"));
  }

  @Test
  void aFatalFailureIsNeverRetriedAndNamesNoBudget() {
    RetryPolicy generous = new RetryPolicy();
    generous.userErrors = 99;
    generous.platformErrors = 99;
    generous.timeouts = 99;
    assertThat(RetryBudget.after(FailureKind.FATAL, 1, generous, 1)).isEqualTo(new GiveUp(""));
  }
}
