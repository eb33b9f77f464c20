#include "wagate/backends/aws/dynamodb_admitter.h"

#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <unordered_set>

#include "wagate/backends/aws/dynamodb_records.h"
#include "wagate/backends/aws/dynamodb_update.h"

namespace wagate::aws {

namespace json = boost::json;
using domain::RecordState;

namespace {

// kRepeat: the key appeared earlier in the same request (a duplicate of that item).
enum class Step1 { kOwned, kDuplicate, kRepeat };

std::string StateName(RecordState s) { return std::string(domain::RecordStateName(s)); }

std::string QuarantineDetail(const domain::QuarantinedPayload& q) {
  return json::serialize(json::object{{"path", q.path},
                                      {"size", q.size},
                                      {"sha256", q.sha256},
                                      {"truncated", q.truncated},
                                      {"detail", q.detail}});
}

}  // namespace

struct DynamoDbAdmitter::Request {
  ports::AdmitRequest request;
  Callback done;
  std::chrono::steady_clock::time_point deadline;
  std::vector<Step1> step1;       // per item
  std::vector<int64_t> fences;    // per owned item: the fence of its PENDING record
  std::vector<std::string> message_ids;  // per owned item, after step 2
  Mutex mu;
  Status failure WAGATE_GUARDED_BY(mu);

  void Failed(Status s) {
    MutexLock lock(mu);
    if (failure.ok()) failure = std::move(s);
  }
  Status Failure() {
    MutexLock lock(mu);
    return failure;
  }
};

DynamoDbAdmitter::DynamoDbAdmitter(AwsJsonClient& dynamodb, SqsQueue& queues,
                                   ports::WorkStore& store, Options options, const Clock& clock)
    : dynamodb_(dynamodb), queues_(queues), store_(store), options_(std::move(options)),
      clock_(clock), batcher_(queues), pool_(options_.max_in_flight, "aws-admit") {}

DynamoDbAdmitter::~DynamoDbAdmitter() { Stop(); }

void DynamoDbAdmitter::Stop() { pool_.Stop(); }

void DynamoDbAdmitter::Admit(ports::AdmitRequest request, Callback done) {
  auto r = std::make_shared<Request>();
  const size_t n = request.items.size();
  r->request = std::move(request);
  r->done = std::move(done);
  r->deadline = clock_.Steady() + options_.pending_grace / 2;
  r->step1.assign(n, Step1::kDuplicate);
  r->fences.assign(n, 0);
  r->message_ids.assign(n, "");
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < n; ++i) {
    if (!seen.insert(r->request.items[i].key).second) r->step1[i] = Step1::kRepeat;
  }
  pool_.FanOut(
      n, [this, r](size_t i) { Step1PutPending(r, i); },
      [this, r] {
        Status failure = r->Failure();
        if (!failure.ok()) return Fail(r, failure);
        Step2Send(r);
      });
}

void DynamoDbAdmitter::Step1PutPending(const std::shared_ptr<Request>& r, size_t i) {
  if (!r->Failure().ok()) return;  // the request has failed: do no more work for it
  if (r->step1[i] == Step1::kRepeat) return;
  const domain::WorkItem& item = r->request.items[i];
  if (item.echo) {
    Status merged = store_.MergeStatus(*item.echo);
    if (!merged.ok()) return r->Failed(merged);
  }
  for (int round = 0; round < 4; ++round) {
    if (clock_.Steady() >= r->deadline) return r->Failed(DeadlineExceededError("admit ran out of time"));
    const int64_t now_ms = ToUnixMillis(clock_.Now());
    const int64_t expires_ms = now_ms + options_.dedup_ttl.count();
    DynamoUpdate u(options_.table, item.key);
    u.Set("state", S(StateName(RecordState::kPending)))
        .Set("kind", S(domain::ItemKindName(item.kind)))
        .Set("created_at", N(now_ms))
        .Set("updated_at", N(now_ms))
        .Set("expires_at", N(expires_ms))
        .Set("ttl", N(TtlSeconds(expires_ms)))
        .Set("attempts", N(0))
        .IncrementFrom("fence", -1, 1)
        .Remove("owner")
        .Remove("lease_until")
        .Remove("qmid");
    for (std::string_view a : kPerLifeAttributes) u.Remove(a);
    u.Condition("attribute_not_exists(" + u.Name("msgid") + ") OR " + u.Name("expires_at") +
                " <= " + u.Value(N(now_ms)));
    StatusOr<WriteResult> put = RunUpdate(dynamodb_, options_.table, u, r->deadline);
    if (!put.ok()) return r->Failed(put.status());
    if (put->applied) {
      r->step1[i] = Step1::kOwned;
      r->fences[i] = GetN(put->item, "fence").value_or(0);
      return;
    }
    const json::object& old = put->item;
    if (old.empty() || GetN(old, "expires_at").value_or(0) <= now_ms) continue;  // changed: again
    if (GetS(old, "state") != StateName(RecordState::kPending)) {
      r->step1[i] = Step1::kDuplicate;
      return;
    }
    const int64_t written = GetN(old, "updated_at").value_or(0);
    if (now_ms - written < options_.pending_grace.count()) {
      return r->Failed(UnavailableError("another delivery of " + item.key + " is being admitted"));
    }
    // A PENDING record past its grace: its writer died. Take it over and enqueue it.
    const int64_t fence = GetN(old, "fence").value_or(0);
    DynamoUpdate takeover(options_.table, item.key);
    takeover.Set("updated_at", N(now_ms)).Increment("fence", 1);
    takeover.Condition(takeover.Name("state") + " = " + takeover.Value(S(StateName(RecordState::kPending))) +
                       " AND " + takeover.Name("fence") + " = " + takeover.Value(N(fence)));
    StatusOr<WriteResult> taken = RunUpdate(dynamodb_, options_.table, takeover, r->deadline);
    if (!taken.ok()) return r->Failed(taken.status());
    if (taken->applied) {
      r->step1[i] = Step1::kOwned;
      r->fences[i] = fence + 1;
      return;
    }
  }
  r->Failed(UnavailableError("the record of " + item.key + " kept changing during admit"));
}

void DynamoDbAdmitter::Step2Send(const std::shared_ptr<Request>& r) {
  // The owned items go to their queues through the batcher, which joins them with other
  // requests' items into SendMessageBatch calls; quarantined pieces go to the incoming DLQ.
  std::array<std::vector<size_t>, 3> by_queue;
  for (size_t i = 0; i < r->request.items.size(); ++i) {
    if (r->step1[i] != Step1::kOwned) continue;
    by_queue[static_cast<size_t>(domain::QueueForKind(r->request.items[i].kind))].push_back(i);
  }
  const bool quarantine = !r->request.quarantined.empty();
  size_t parts = quarantine ? 1 : 0;
  for (const std::vector<size_t>& items : by_queue) parts += items.empty() ? 0 : 1;
  if (parts == 0) return Step3MarkQueued(r);
  auto left = std::make_shared<std::atomic<size_t>>(parts);
  auto part_done = [this, r, left] {
    if (left->fetch_sub(1) != 1) return;
    Status failure = r->Failure();
    if (!failure.ok()) return Fail(r, failure);
    Step3MarkQueued(r);
  };
  if (quarantine) {
    pool_.Submit([this, r, part_done] {
      std::vector<SqsQueue::DeadLetter> letters;
      for (const domain::QuarantinedPayload& q : r->request.quarantined) {
        letters.push_back({"", q.raw, {q.reason, QuarantineDetail(q), ""}});
      }
      StatusOr<std::vector<std::string>> sent =
          queues_.SendDeadLetters(domain::QueueName::kIncoming, std::move(letters));
      if (!sent.ok()) r->Failed(sent.status());
      part_done();
    });
  }
  for (size_t q = 0; q < by_queue.size(); ++q) {
    if (by_queue[q].empty()) continue;
    auto items = std::make_shared<std::vector<size_t>>(std::move(by_queue[q]));
    std::vector<ports::OutgoingMessage> messages;
    for (size_t i : *items) messages.push_back({r->request.items[i].key, r->request.items[i].payload, Millis(0)});
    batcher_.Send(static_cast<domain::QueueName>(q), std::move(messages),
                  [r, items, part_done](StatusOr<std::vector<std::string>> ids) {
                    if (ids.ok()) {
                      for (size_t k = 0; k < items->size(); ++k) r->message_ids[(*items)[k]] = (*ids)[k];
                    } else {
                      r->Failed(ids.status());
                    }
                    part_done();
                  });
  }
}

void DynamoDbAdmitter::Step3MarkQueued(const std::shared_ptr<Request>& r) {
  std::vector<size_t> owned;
  for (size_t i = 0; i < r->step1.size(); ++i) {
    if (r->step1[i] == Step1::kOwned) owned.push_back(i);
  }
  auto owned_items = std::make_shared<std::vector<size_t>>(std::move(owned));
  pool_.FanOut(
      owned_items->size(),
      [this, r, owned_items](size_t k) {
        const size_t i = (*owned_items)[k];
        const int64_t now_ms = ToUnixMillis(clock_.Now());
        DynamoUpdate u(options_.table, r->request.items[i].key);
        u.Set("state", S(StateName(RecordState::kQueued)))
            .Set("qmid", S(r->message_ids[i]))
            .Set("updated_at", N(now_ms));
        u.Condition(u.Name("state") + " = " + u.Value(S(StateName(RecordState::kPending))) + " AND " +
                    u.Name("fence") + " = " + u.Value(N(r->fences[i])));
        // A lost condition means a worker claimed it already; a failed call leaves it PENDING
        // with its message, which is admitted too.
        (void)RunUpdate(dynamodb_, options_.table, u);
      },
      [r] {
        ports::AdmitResult result;
        for (Step1 s : r->step1) {
          result.outcomes.push_back(s == Step1::kOwned ? ports::AdmitOutcome::kAccepted
                                                       : ports::AdmitOutcome::kDuplicate);
        }
        result.quarantined = static_cast<int>(r->request.quarantined.size());
        r->done(std::move(result));
      });
}

void DynamoDbAdmitter::Fail(const std::shared_ptr<Request>& r, Status why) {
  // Retire this request's own PENDING records, so Meta's retry can admit them at once.
  std::vector<size_t> owned;
  for (size_t i = 0; i < r->step1.size(); ++i) {
    if (r->step1[i] == Step1::kOwned) owned.push_back(i);
  }
  auto owned_items = std::make_shared<std::vector<size_t>>(std::move(owned));
  Status answer = why.code() == StatusCode::kUnavailable
                      ? why
                      : UnavailableError("admit failed: " + why.message());
  pool_.FanOut(
      owned_items->size(),
      [this, r, owned_items](size_t k) {
        const size_t i = (*owned_items)[k];
        const int64_t now_ms = ToUnixMillis(clock_.Now());
        DynamoUpdate u(options_.table, r->request.items[i].key);
        u.Set("expires_at", N(now_ms)).Set("updated_at", N(now_ms));
        u.Condition(u.Name("state") + " = " + u.Value(S(StateName(RecordState::kPending))) + " AND " +
                    u.Name("fence") + " = " + u.Value(N(r->fences[i])));
        (void)RunUpdate(dynamodb_, options_.table, u);
      },
      [r, answer] { r->done(answer); });
}

}  // namespace wagate::aws
