#include "wagate/base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace wagate {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.ToString(), "OK");
  EXPECT_EQ(status, Status::Ok());
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(InvalidArgumentError("PORT: expected an integer").ToString(),
            "INVALID_ARGUMENT: PORT: expected an integer");
  EXPECT_EQ(UnavailableError("").ToString(), "UNAVAILABLE");
  EXPECT_EQ(Status(StatusCode::kOk, "ignored").ToString(), "OK");
}

TEST(StatusTest, EveryCodeHasItsName) {
  const std::pair<Status, std::string_view> cases[] = {
      {InvalidArgumentError("m"), "INVALID_ARGUMENT"},
      {UnauthenticatedError("m"), "UNAUTHENTICATED"},
      {PermissionDeniedError("m"), "PERMISSION_DENIED"},
      {NotFoundError("m"), "NOT_FOUND"},
      {PayloadTooLargeError("m"), "PAYLOAD_TOO_LARGE"},
      {ResourceExhaustedError("m"), "RESOURCE_EXHAUSTED"},
      {UnavailableError("m"), "UNAVAILABLE"},
      {FailedPreconditionError("m"), "FAILED_PRECONDITION"},
      {DeadlineExceededError("m"), "DEADLINE_EXCEEDED"},
      {InternalError("m"), "INTERNAL"},
  };
  for (const auto& [status, name] : cases) {
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(StatusCodeName(status.code()), name);
    EXPECT_EQ(status.message(), "m");
  }
}

TEST(StatusTest, Equality) {
  EXPECT_EQ(NotFoundError("x"), NotFoundError("x"));
  EXPECT_NE(NotFoundError("x"), NotFoundError("y"));
  EXPECT_NE(NotFoundError("x"), InternalError("x"));
}

TEST(StatusOrTest, HoldsValue) {
  StatusOr<std::string> value = std::string("hello");
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value.status().ok());
  EXPECT_EQ(*value, "hello");
  EXPECT_EQ(value->size(), 5u);
  value.value() += "!";
  EXPECT_EQ(value.value(), "hello!");
}

TEST(StatusOrTest, HoldsError) {
  StatusOr<int> error = UnavailableError("store down");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(error.status().message(), "store down");
}

TEST(StatusOrTest, MovesMoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> holder = std::make_unique<int>(7);
  std::unique_ptr<int> taken = std::move(holder).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 7);
}

Status FailsWhen(bool fail, int* steps) {
  WAGATE_RETURN_IF_ERROR(fail ? InternalError("first") : Status::Ok());
  ++*steps;
  return Status::Ok();
}

TEST(StatusTest, ReturnIfErrorReturnsEarly) {
  int steps = 0;
  EXPECT_EQ(FailsWhen(true, &steps), InternalError("first"));
  EXPECT_EQ(steps, 0);
  EXPECT_TRUE(FailsWhen(false, &steps).ok());
  EXPECT_EQ(steps, 1);
}

}  // namespace
}  // namespace wagate
