#include "wagate/processing/pacer.h"

#include <gtest/gtest.h>

#include "wagate/testing/fake_clock.h"

namespace wagate::processing {
namespace {

TEST(PacerTest, SpacesSendsPerNumberAfterABurstOfOneSecond) {
  testing::FakeClock clock;
  Pacer pacer(clock, {.rate_per_number = 10});
  const Timestamp start = clock.Now();
  int immediate = 0;
  for (int i = 0; i < 10; ++i) {
    Pacer::Slot slot = pacer.Reserve("n1", "+1" + std::to_string(i), Millis(10'000));
    ASSERT_TRUE(slot.taken);
    if (slot.at == start) ++immediate;
  }
  EXPECT_EQ(immediate, 10) << "one second's worth goes at once";
  Pacer::Slot next = pacer.Reserve("n1", "+19", Millis(10'000));
  EXPECT_EQ(next.at - start, Millis(100)) << "then one every 100 ms";
  EXPECT_TRUE(pacer.Reserve("n2", "+1", Millis(0)).taken) << "other numbers are not affected";
}

TEST(PacerTest, ThePairLimitAllowsABurstOf45ThenOneEverySixSeconds) {
  testing::FakeClock clock;
  Pacer pacer(clock, {.rate_per_number = 1000});
  const Timestamp start = clock.Now();
  for (int i = 0; i < 45; ++i) {
    Pacer::Slot slot = pacer.Reserve("n1", "+1555", Millis(1'000));
    ASSERT_TRUE(slot.taken) << i;
    ASSERT_LT(slot.at - start, Millis(1'000)) << i;
  }
  Pacer::Slot refused = pacer.Reserve("n1", "+1555", Millis(1'000));
  EXPECT_FALSE(refused.taken) << "nothing taken when the wait is too long";
  EXPECT_GE(refused.at - start, Millis(6'000));
  EXPECT_TRUE(pacer.Reserve("n1", "+1666", Millis(0)).taken) << "another recipient is free";
  clock.Advance(Millis(6'000));
  EXPECT_TRUE(pacer.Reserve("n1", "+1555", Millis(0)).taken);
  EXPECT_FALSE(pacer.Reserve("n1", "+1555", Millis(0)).taken);
}

TEST(PacerTest, HoldPairDelaysOnlyThatRecipient) {
  testing::FakeClock clock;
  Pacer pacer(clock, {});
  pacer.HoldPair("n1", "+1555", clock.Now() + Millis(6'000));
  Pacer::Slot held = pacer.Reserve("n1", "+1555", Millis(0));
  EXPECT_FALSE(held.taken);
  EXPECT_EQ(held.at - clock.Now(), Millis(6'000));
  EXPECT_TRUE(pacer.Reserve("n1", "+1666", Millis(0)).taken);
}

TEST(PacerTest, APausedNumberAllowsOneProbeAfterThePause) {
  testing::FakeClock clock;
  Pacer pacer(clock, {.probe_interval = Millis(60'000)});
  EXPECT_TRUE(pacer.TakeProbe("n1")) << "not paused: anyone may send";
  pacer.Pause("n1", clock.Now() + Millis(60'000));
  EXPECT_EQ(pacer.PausedNumbers(), std::vector<std::string>{"n1"});
  EXPECT_FALSE(pacer.TakeProbe("n1"));
  clock.Advance(Millis(60'000));
  EXPECT_TRUE(pacer.TakeProbe("n1"));
  EXPECT_FALSE(pacer.TakeProbe("n1")) << "one probe at a time";
  pacer.Resume("n1");
  EXPECT_FALSE(pacer.PausedUntil("n1").has_value());
}

TEST(PacerTest, MemoryStaysBoundedAcrossManyRecipients) {
  testing::FakeClock clock;
  Pacer pacer(clock, {.rate_per_number = 1e6, .pair_interval = Millis(6'000)});
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(pacer.Reserve("n1", "+" + std::to_string(i), Millis(1'000'000)).taken);
    clock.Advance(Millis(1));
  }
  EXPECT_LT(pacer.TrackedPairs(), 10'000u);
}

}  // namespace
}  // namespace wagate::processing

namespace wagate::processing {
namespace {

TEST(PacerTest, ReadReceiptsHaveNoRecipientAndOnlyTheNumbersRate) {
  testing::FakeClock clock;
  Pacer pacer(clock, {.rate_per_number = 1000});
  for (int i = 0; i < 200; ++i) {
    Pacer::Slot slot = pacer.Reserve("n1", "", Millis(1'000));
    ASSERT_TRUE(slot.taken) << i;
  }
  EXPECT_EQ(pacer.TrackedPairs(), 0u);
}

}  // namespace
}  // namespace wagate::processing
