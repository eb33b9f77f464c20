// The work record as a DynamoDB item, and the calls every DynamoDB user of it shares.
//
// Item attributes: msgid (S, the key), kind, state, created_at, updated_at, expires_at (N, Unix
// ms), ttl (N, Unix s), attempts, owner, lease_until, fence, qmid (the queue message id),
// last_error, history (L of M {at, owner, fence, outcome, error}), outputs (S, JSON array of reply
// keys), output_items (S, the replies themselves until they are enqueued), outputs_enqueued
// (BOOL), result (S, JSON), delivery (S), delivery_rank (N), status_wamid (S). Strings are never
// written empty: an absent attribute means "none".
//
// Thread safety: plain functions; the calls block on the network.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "wagate/backends/aws/aws_json_client.h"
#include "wagate/backends/aws/dynamodb_update.h"
#include "wagate/base/status.h"
#include "wagate/domain/record.h"

namespace wagate::aws {

// Attributes that belong to one life of a key: a record created afresh (absent or expired) has
// none of them.
inline constexpr std::array<std::string_view, 9> kPerLifeAttributes{
    "last_error", "history", "result", "outputs", "output_items", "outputs_enqueued",
    "delivery", "delivery_rank", "status_wamid"};

struct WriteResult {
  bool applied = false;
  // applied: the item the update returned; not applied: the item that failed the condition
  // (empty when there is none).
  boost::json::object item;
};

// Runs one conditional UpdateItem. When the condition fails and the answer carries no `Item`,
// one consistent GetItem reads the current one.
// `deadline`: no attempt starts, and no retry waits, past it (DeadlineExceeded).
using Deadline = std::optional<std::chrono::steady_clock::time_point>;
StatusOr<WriteResult> RunUpdate(AwsJsonClient& dynamodb, const std::string& table,
                                const DynamoUpdate& update, Deadline deadline = {});
// A consistent read; an empty object when there is no item.
StatusOr<boost::json::object> GetItem(AwsJsonClient& dynamodb, const std::string& table,
                                      std::string_view key, Deadline deadline = {});

// How DynamoDB's refusals map to statuses: ResourceNotFoundException → FailedPrecondition (run
// `wagate provision`), AccessDeniedException → PermissionDenied, ValidationException → Internal,
// anything else → Unavailable.
Status DynamoStatus(const AwsAnswer& refused, std::string_view operation);

domain::Record ItemToRecord(const boost::json::object& item);
size_t HistoryLength(const boost::json::object& item);

// DynamoDB TTL deletes at a whole second; a day later than the expiry, so that the deletion can
// never come before it (expiry is decided by expires_at, never by ttl).
inline int64_t TtlSeconds(int64_t expires_ms) { return expires_ms / 1000 + 86'400; }

// sent 1 < delivered 2 < read 3 < played 4 < failed 5 (terminal); anything else 0.
int DeliveryRank(std::string_view status);

}  // namespace wagate::aws
