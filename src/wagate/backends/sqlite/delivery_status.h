// Merging delivery statuses into outgoing records (SPEC §2 invariants 7 and 8).
//
// Statuses rank sent < delivered < read < played, and failed is terminal: a status is applied
// only when it ranks above the record's current one, so a late `delivered` never downgrades
// `read`, and redelivered statuses change nothing. Unknown status values rank lowest and are
// ignored. The first status also stores Meta's wamid when the send call's answer was lost.
// A status settles an outgoing record that was waiting for one: SENT_UNCERTAIN (or FAILED after
// an answer that later proved wrong) becomes SENT, so the item is never resent. A record in
// SENDING keeps its state; the sender that holds it finishes it.
//
// Thread safety: runs on the caller's connection, inside the caller's transaction when there is
// one.
#pragma once

#include <cstdint>

#include "wagate/backends/sqlite/database.h"
#include "wagate/domain/work_item.h"

namespace wagate::sqlite {

// Applies `echo` to the record of echo.out_key. A record that does not exist is not an error:
// statuses for messages this gateway did not send are normal.
Status MergeDeliveryStatus(Database& db, const domain::StatusEcho& echo, int64_t now_ms);

}  // namespace wagate::sqlite
