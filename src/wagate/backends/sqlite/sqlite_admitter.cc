#include "wagate/backends/sqlite/sqlite_admitter.h"

#include <boost/json.hpp>

#include "wagate/backends/sqlite/delivery_status.h"
#include "wagate/backends/sqlite/free_disk.h"
#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/backends/sqlite/queued_item.h"
#include "wagate/base/log.h"

namespace wagate::sqlite {

namespace {

constexpr std::string_view kInsertQuarantined = R"sql(
INSERT INTO queue_messages(id, queue, key, body, attributes, sent_at, visible_at, source_queue,
                           reason, last_error, history, dead_at)
VALUES(?1, 'incoming-dlq', NULL, ?2, ?3, ?4, ?4, 'incoming', ?5, ?6, '[]', ?4)
)sql";

std::string QuarantineAttributes(const domain::QuarantinedPayload& q) {
  boost::json::object o;
  o["path"] = q.path;
  o["size"] = q.size;
  o["sha256"] = q.sha256;
  o["truncated"] = q.truncated;
  o["detail"] = q.detail;
  return boost::json::serialize(o);
}

size_t ItemCount(const ports::AdmitRequest& r) { return r.items.size() + r.quarantined.size(); }

}  // namespace

struct SqliteAdmitter::Statements {
  QueuedItemStatements items;
  Statement insert_quarantined;
};

StatusOr<std::unique_ptr<SqliteAdmitter>> SqliteAdmitter::Create(std::unique_ptr<Database> db,
                                                                 Options options,
                                                                 const Clock& clock) {
  // Every admitted key lands on a random leaf of the records B-tree. With SQLite's default 2 MiB
  // cache most of those leaves are read back from the file on every insert; 16 MiB keeps the
  // hot part of the tree in memory (ingest throughput +30 % in bench/RESULTS.md) at a bounded
  // cost in RSS.
  WAGATE_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-16384"));
  StatusOr<QueuedItemStatements> items = QueuedItemStatements::Prepare(*db);
  if (!items.ok()) return items.status();
  StatusOr<Statement> quarantine = db->Prepare(kInsertQuarantined);
  if (!quarantine.ok()) return quarantine.status();
  auto statements = std::make_unique<Statements>(Statements{
      std::move(*items), std::move(*quarantine)});
  return std::unique_ptr<SqliteAdmitter>(
      new SqliteAdmitter(std::move(db), std::move(statements), options, clock));
}

SqliteAdmitter::SqliteAdmitter(std::unique_ptr<Database> db,
                               std::unique_ptr<Statements> statements, Options options,
                               const Clock& clock)
    : db_(std::move(db)), statements_(std::move(statements)), options_(options), clock_(clock) {
  writer_ = std::thread([this] { WriterLoop(); });
}

SqliteAdmitter::~SqliteAdmitter() { Stop(); }

void SqliteAdmitter::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void SqliteAdmitter::Admit(ports::AdmitRequest request, Callback done) {
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      pending_.push_back(Pending{std::move(request), std::move(done)});
      // A busy writer takes the request with its next batch; only a waiting one needs a wake-up.
      if (writer_waiting_) wake_.notify_one();
      return;
    }
  }
  done(UnavailableError("the store is shutting down"));
}

void SqliteAdmitter::WriterLoop() {
  pthread_setname_np(pthread_self(), "sqlite-writer");
  for (;;) {
    std::deque<Pending> batch;
    {
      MutexLock lock(mu_);
      writer_waiting_ = true;
      wake_.wait(mu_, [this]() WAGATE_REQUIRES(mu_) { return stopping_ || !pending_.empty(); });
      writer_waiting_ = false;
      if (pending_.empty()) return;  // stopping, and everything submitted is committed
      // Take every waiting request, up to the item cap (always at least one request).
      size_t items = 0;
      while (!pending_.empty() &&
             (batch.empty() || items + ItemCount(pending_.front().request) <= options_.max_items_per_commit)) {
        items += ItemCount(pending_.front().request);
        batch.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }

    Status disk = CheckFreeDisk();
    if (!disk.ok()) {
      FailAll(batch, disk);
      continue;
    }
    std::vector<ports::AdmitResult> results;
    Status status = CommitBatch(batch, results);
    if (status.ok()) {
      NotifyQueues(batch, results);
      for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
      continue;
    }
    if (batch.size() == 1) {
      FailAll(batch, status);
      continue;
    }
    // Isolate the failure: commit each request alone.
    for (Pending& p : batch) {
      std::deque<Pending> one;
      one.push_back(std::move(p));
      std::vector<ports::AdmitResult> one_result;
      Status s = CommitBatch(one, one_result);
      if (s.ok()) {
        NotifyQueues(one, one_result);
        one.front().done(std::move(one_result.front()));
      } else {
        FailAll(one, s);
      }
    }
  }
}

void SqliteAdmitter::NotifyQueues(const std::deque<Pending>& batch,
                                  const std::vector<ports::AdmitResult>& results) const {
  if (!options_.signal) return;
  bool enqueued[3] = {false, false, false};
  for (size_t r = 0; r < batch.size() && r < results.size(); ++r) {
    const std::vector<domain::WorkItem>& items = batch[r].request.items;
    const std::vector<ports::AdmitOutcome>& outcomes = results[r].outcomes;
    for (size_t i = 0; i < items.size() && i < outcomes.size(); ++i) {
      if (outcomes[i] != ports::AdmitOutcome::kAccepted) continue;
      enqueued[static_cast<size_t>(domain::QueueForKind(items[i].kind))] = true;
    }
  }
  for (domain::QueueName q : {domain::QueueName::kIncoming, domain::QueueName::kOutgoing,
                              domain::QueueName::kAnalytics}) {
    if (enqueued[static_cast<size_t>(q)]) options_.signal->Notify(q);
  }
}

void SqliteAdmitter::FailAll(std::deque<Pending>& batch, const Status& status) {
  log::Error("admit failed", {log::F("error", status.ToString()), log::F("requests", batch.size())});
  for (Pending& p : batch) p.done(status);
}

Status SqliteAdmitter::CheckFreeDisk() {
  if (options_.min_free_disk_bytes == 0) return Status::Ok();
  int64_t now_ms = std::chrono::duration_cast<Millis>(clock_.Steady().time_since_epoch()).count();
  if (last_disk_check_ms_ == 0 || now_ms - last_disk_check_ms_ >= 1000) {
    last_disk_check_ms_ = now_ms;
    StatusOr<uint64_t> free_bytes = FreeDiskBytes(db_->path());
    if (!free_bytes.ok()) {
      disk_status_ = free_bytes.status();
    } else if (*free_bytes < options_.min_free_disk_bytes) {
      disk_status_ = UnavailableError("free disk below MIN_FREE_DISK_MB (" +
                                      std::to_string(*free_bytes / (1024 * 1024)) + " MiB free)");
    } else {
      disk_status_ = Status::Ok();
    }
  }
  return disk_status_;
}

Status SqliteAdmitter::CommitBatch(std::deque<Pending>& batch,
                                   std::vector<ports::AdmitResult>& results) {
  results.clear();
  results.resize(batch.size());
  const int64_t now_ms = ToUnixMillis(clock_.Now());
  Status status = db_->InTransaction([&]() -> Status {
    MessageIdSequence ids;
    WAGATE_RETURN_IF_ERROR(ids.Load(*db_));
    for (size_t i = 0; i < batch.size(); ++i) {
      WAGATE_RETURN_IF_ERROR(WriteRequest(batch[i].request, now_ms, ids, results[i]));
    }
    return ids.Store(*db_);
  });
  if (!status.ok()) results.clear();
  return status;
}

Status SqliteAdmitter::WriteRequest(const ports::AdmitRequest& request, int64_t now_ms,
                                    MessageIdSequence& ids, ports::AdmitResult& result) {
  Statements& s = *statements_;
  const int64_t expires_ms = now_ms + options_.dedup_ttl.count();
  result.outcomes.reserve(request.items.size());
  for (const domain::WorkItem& item : request.items) {
    StatusOr<bool> created = CreateQueuedItem(*db_, s.items, ids, item, now_ms, expires_ms);
    if (!created.ok()) return created.status();
    if (!*created) {
      result.outcomes.push_back(ports::AdmitOutcome::kDuplicate);
      continue;
    }
    result.outcomes.push_back(ports::AdmitOutcome::kAccepted);
    // A status echoing an `out:` key settles that reply now, not behind the queue's backlog.
    if (item.echo) WAGATE_RETURN_IF_ERROR(MergeDeliveryStatus(*db_, *item.echo, now_ms));
  }
  for (const domain::QuarantinedPayload& q : request.quarantined) {
    std::string attributes = QuarantineAttributes(q);
    WAGATE_RETURN_IF_ERROR(s.insert_quarantined.Bind(1, ids.Next())
                               .BindBlob(2, q.raw)
                               .Bind(3, attributes)
                               .Bind(4, now_ms)
                               .Bind(5, q.reason)
                               .Bind(6, q.detail)
                               .Run());
    ++result.quarantined;
  }
  return Status::Ok();
}

}  // namespace wagate::sqlite
