// Status and StatusOr: errors as values.
//
// wagate's code throws no exceptions. A fallible function returns Status (or StatusOr<T> when
// it also yields a value). Codes describe what the caller can do about the failure; the one
// place that turns a code into an HTTP status is http/status_http.cc.
//
// Thread safety: values; safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wagate {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the input is malformed; retrying the same input fails again
  kUnauthenticated,     // a credential or signature is missing or wrong
  kPermissionDenied,    // authenticated, but not allowed (or a wrong verify token)
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // the thing to create or do exists or was done already
  kPayloadTooLarge,     // the input exceeds a configured size limit
  kResourceExhausted,   // a rate limit or capacity limit was hit; retry later
  kUnavailable,         // a dependency (store, queue, disk) failed; retry later
  kFailedPrecondition,  // the system is not in a state to do this (e.g. newer schema)
  kDeadlineExceeded,    // the operation ran out of time
  kInternal,            // a bug or an unexpected dependency answer
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE: message", for logs and CLI output.
  std::string ToString() const;

  bool operator==(const Status&) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status UnauthenticatedError(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status PayloadTooLargeError(std::string m) { return {StatusCode::kPayloadTooLarge, std::move(m)}; }
inline Status ResourceExhaustedError(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status FailedPreconditionError(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// StatusOr<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "StatusOr needs a value or a non-OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace wagate

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define WAGATE_RETURN_IF_ERROR(expr)           \
  do {                                         \
    ::wagate::Status wagate_status_ = (expr);  \
    if (!wagate_status_.ok()) return wagate_status_; \
  } while (0)
