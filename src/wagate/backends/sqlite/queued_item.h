// Creating a work item's record together with its queue message, inside a write transaction.
//
// Both the admitter (items of a webhook) and Complete (the replies of a processed item) create
// items this way: the record is inserted, or replaces one whose dedup window has passed, and only
// then is the message enqueued, so a live duplicate enqueues nothing.
//
// Thread safety: used on one connection inside one transaction.
#pragma once

#include <string_view>

#include "wagate/backends/sqlite/database.h"
#include "wagate/backends/sqlite/message_id_sequence.h"
#include "wagate/domain/work_item.h"

namespace wagate::sqlite {

// The two statements CreateQueuedItem runs, prepared once by callers that reuse them.
struct QueuedItemStatements {
  static StatusOr<QueuedItemStatements> Prepare(Database& db);
  Statement upsert_record;
  Statement insert_message;
};

// Creates `item` as QUEUED (expiring at `expires_ms`) with one message in its kind's queue.
// Returns false, writing nothing, when a live record exists for the key.
StatusOr<bool> CreateQueuedItem(Database& db, QueuedItemStatements& statements,
                                MessageIdSequence& ids, const domain::WorkItem& item,
                                int64_t now_ms, int64_t expires_ms);

}  // namespace wagate::sqlite
