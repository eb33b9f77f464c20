#include "wagate/whatsapp/graph_errors.h"

#include <gtest/gtest.h>

namespace wagate::whatsapp {
namespace {

TEST(GraphErrors, ThrottlingCodes) {
  for (int64_t code : {4, 80007, 130429, 131056}) {
    EXPECT_EQ(ClassifyGraphError(400, code), GraphErrorClass::kThrottled) << code;
  }
}

TEST(GraphErrors, RetriedCodesAndServerErrors) {
  for (int64_t code : {2, 131000, 131016, 131057, 133004}) {
    EXPECT_EQ(ClassifyGraphError(400, code), GraphErrorClass::kRetry) << code;
  }
  EXPECT_EQ(ClassifyGraphError(500, -1), GraphErrorClass::kRetry);
  EXPECT_EQ(ClassifyGraphError(503, 1), GraphErrorClass::kRetry);
  EXPECT_EQ(ClassifyGraphError(429, -1), GraphErrorClass::kRetry);
}

TEST(GraphErrors, AccountLevelCodesPauseTheNumber) {
  for (int64_t code : {0, 190, 10, 200, 250, 299, 368, 131031, 131042}) {
    EXPECT_EQ(ClassifyGraphError(403, code), GraphErrorClass::kAccount) << code;
  }
  EXPECT_EQ(ClassifyGraphError(400, 300), GraphErrorClass::kPermanent);
}

TEST(GraphErrors, EverythingElseIsPermanentWithAClearReason) {
  EXPECT_EQ(ClassifyGraphError(400, 131047), GraphErrorClass::kPermanent);
  EXPECT_EQ(ClassifyGraphError(400, 100), GraphErrorClass::kPermanent);
  EXPECT_EQ(ClassifyGraphError(404, -1), GraphErrorClass::kPermanent);
  EXPECT_EQ(GraphErrorReason(400, 131047, "Re-engagement message"),
            "outside the 24-hour window: needs a template");
  EXPECT_EQ(GraphErrorReason(400, 100, "Invalid parameter"), "graph_error 100: Invalid parameter");
  EXPECT_EQ(GraphErrorReason(404, -1, ""), "graph_error HTTP 404");
}

}  // namespace
}  // namespace wagate::whatsapp
