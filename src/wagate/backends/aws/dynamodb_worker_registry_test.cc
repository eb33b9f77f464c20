#include "wagate/backends/aws/dynamodb_worker_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "wagate/backends/aws/aws_test_backend.h"
#include "wagate/testing/fake_clock.h"

namespace wagate::aws {
namespace {

ports::WorkerBeat BeatOf(const std::string& id, Timestamp at, uint64_t processed) {
  return {id, "worker", at, at, true, processed, 0};
}

std::vector<std::string> Ids(const std::vector<ports::WorkerBeat>& beats) {
  std::vector<std::string> ids;
  for (const ports::WorkerBeat& b : beats) ids.push_back(b.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(DynamoDbWorkerRegistryTest, BeatsUpdateOneEntryPerWorkerAndOnlyRecentOnesAreLive) {
  EmulatorClients clients;
  testing::FakeClock clock;
  DynamoDbWorkerRegistry registry(clients.dynamodb(), FreshTable(clients.dynamodb()), clock);
  const Timestamp t0 = clock.Now();
  ASSERT_TRUE(registry.Beat(BeatOf("host-1-aa", t0, 5)).ok());
  ASSERT_TRUE(registry.Beat(BeatOf("host.2/b:c", t0, 1)).ok()) << "any id is a valid map key";
  ASSERT_TRUE(registry.Beat(BeatOf("host-1-aa", t0 + Millis(10'000), 9)).ok());

  StatusOr<std::vector<ports::WorkerBeat>> live = registry.Live(t0);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ(Ids(*live), (std::vector<std::string>{"host-1-aa", "host.2/b:c"}));
  for (const ports::WorkerBeat& b : *live) {
    if (b.id == "host-1-aa") {
      EXPECT_EQ(b.processed, 9u) << "the newest beat replaced the first";
      EXPECT_EQ(b.seen_at, t0 + Millis(10'000));
      EXPECT_TRUE(b.running);
      EXPECT_EQ(b.role, "worker");
    }
  }
  live = registry.Live(t0 + Millis(5'000));
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(Ids(*live), (std::vector<std::string>{"host-1-aa"})) << "only beats since then";

  ASSERT_TRUE(registry.Forget("host-1-aa").ok());
  live = registry.Live(t0);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(Ids(*live), (std::vector<std::string>{"host.2/b:c"}));
}

TEST(DynamoDbWorkerRegistryTest, WorkersUnseenForADayAreDropped) {
  EmulatorClients clients;
  testing::FakeClock clock;
  DynamoDbWorkerRegistry registry(clients.dynamodb(), FreshTable(clients.dynamodb()), clock);
  ASSERT_TRUE(registry.Beat(BeatOf("killed", clock.Now(), 1)).ok());
  clock.Advance(Millis(25LL * 3600 * 1000));
  ASSERT_TRUE(registry.Beat(BeatOf("alive", clock.Now(), 1)).ok());
  StatusOr<std::vector<ports::WorkerBeat>> live = registry.Live(FromUnixMillis(0));
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(Ids(*live), (std::vector<std::string>{"alive"}));
  live = registry.Live(FromUnixMillis(0));
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(Ids(*live), (std::vector<std::string>{"alive"})) << "the stale entry was removed";
}

}  // namespace
}  // namespace wagate::aws
