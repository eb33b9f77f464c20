#include <gtest/gtest.h>

#include "wagate/http/health_handler.h"

namespace wagate::http {
namespace {

HealthSnapshot Reachable() {
  HealthSnapshot s;
  for (auto& q : s.queues) q = ports::QueueStats{};
  return s;
}

TEST(HealthVerdictTest, HealthyWithoutAlertsDegradedWithOne) {
  EXPECT_EQ(JudgeHealth(Reachable(), false, true, false).status, "healthy");
  HealthVerdict degraded = JudgeHealth(Reachable(), false, true, true);
  EXPECT_EQ(degraded.status, "degraded");
  EXPECT_EQ(degraded.reason, "");
}

TEST(HealthVerdictTest, AnUnreachableStoreIsUnhealthyWhateverTheAlerts) {
  HealthSnapshot s = Reachable();
  s.store = UnavailableError("database is locked");
  for (bool alerts : {false, true}) {
    HealthVerdict v = JudgeHealth(s, false, false, alerts);
    EXPECT_EQ(v.status, "unhealthy");
    EXPECT_EQ(v.reason, "store unreachable: database is locked");
  }
}

TEST(HealthVerdictTest, UnreachableQueuesAreUnhealthyWhereTheyAreAServiceOfTheirOwn) {
  HealthSnapshot s = Reachable();
  s.queues[1].reset();
  HealthVerdict aws = JudgeHealth(s, false, /*separate_queues=*/true, true);
  EXPECT_EQ(aws.status, "unhealthy");
  EXPECT_EQ(aws.reason, "queues unreachable");
  // On sqlite the queues are tables of the store, whose ping answers for them.
  EXPECT_EQ(JudgeHealth(s, false, /*separate_queues=*/false, false).status, "healthy");
}

TEST(HealthVerdictTest, DrainingIsUnhealthyFirst) {
  HealthSnapshot s = Reachable();
  s.store = UnavailableError("gone");
  HealthVerdict v = JudgeHealth(s, /*draining=*/true, true, true);
  EXPECT_EQ(v.status, "unhealthy");
  EXPECT_EQ(v.reason, "draining");
}

}  // namespace
}  // namespace wagate::http
