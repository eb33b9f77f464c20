// OutboundLog: the last outbound messages (replies and read receipts) this process saw, for the
// dashboard's "recent outbound" table.
//
// It is an EventSink observer of the outcome events of `out:` items: sent and send_failed from the
// Sender, processed and dead_lettered from the dry-run sender (SENDER_DRY_RUN), retried from
// either. One entry per key, the newest outcome first, at most `capacity` entries (the oldest is
// dropped), so memory is constant. It is this process's view only: a `--role api` process runs no
// senders and sees none; the admin API says so.
//
// The recipient, the record's state and the dry-run flag are not in the events; the admin
// handler reads them from the store on its worker (see admin_handler.h).
//
// Thread safety: every method is safe from any thread; Publish() only takes a short lock.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "wagate/base/mutex.h"
#include "wagate/ports/event_sink.h"

namespace wagate::http {

struct OutboundEntry {
  std::string key;
  std::string event;  // "sent", "send_failed", "processed" (dry run), "dead_lettered", ...
  Timestamp ts;
  int64_t attempt = 0;
  std::string error_code;  // the Graph API's error code, "" when none
};

class OutboundLog final : public ports::EventSink {
 public:
  static constexpr size_t kDefaultCapacity = 50;
  explicit OutboundLog(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  void Publish(domain::AnalyticsEvent event) override;
  // Newest first.
  std::vector<OutboundEntry> Recent() const;

 private:
  const size_t capacity_;
  mutable Mutex mu_;
  std::deque<OutboundEntry> entries_ WAGATE_GUARDED_BY(mu_);  // newest first
};

}  // namespace wagate::http
