package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatonConfigLeaseTest {
  @Test
  void defaultsAreKubernetesOwn() {
    BatonConfig.LeaseTiming lease = BatonConfig.defaults().lease();
    assertThat(lease.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(lease.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(lease.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void theEnvironmentSetsEach() {
    BatonConfig.LeaseTiming lease =
        BatonConfig.fromEnv(
                Map.of(
                    "BATON_LEASE_DURATION", "1m",
                    "BATON_LEASE_RENEW_DEADLINE", "45s",
                    "BATON_LEASE_RETRY_PERIOD", "5s"))
            .lease();
    assertThat(lease)
        .isEqualTo(
            new BatonConfig.LeaseTiming(
                Duration.ofMinutes(1), Duration.ofSeconds(45), Duration.ofSeconds(5)));
  }

  @Test
  void aDeadlineNotBelowTheDurationIsRefusedNamingTheVariables() {
    assertThatThrownBy(() -> BatonConfig.fromEnv(Map.of("BATON_LEASE_RENEW_DEADLINE", "20s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BATON_LEASE_RENEW_DEADLINE (20s)")
        .hasMessageContaining("BATON_LEASE_DURATION (15s)");
    assertThatThrownBy(() -> BatonConfig.fromEnv(Map.of("BATON_LEASE_RETRY_PERIOD", "10s")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
