// Deleting expired work records on the sqlite backend (SPEC §2.4, §8).
//
// A record whose dedup window has passed (expires_at <= now) behaves like an absent one for every
// write: admit replaces it, a claim starts it afresh. One thing still tells them apart: the
// replacement carries the old fence forward, so a worker that held a claim on the old record can
// never write to its successor. Deleting the record would restart the fence at 0, so a record is
// deleted only when no claim on it can still be made or held, which is when, besides being
// expired:
//   - its lease is not live (lease_until is null or past), so no owner is working on it now;
//   - the queue message it names (queue_message_id: the admitted message, or the one of the last
//     claim) no longer exists in any queue, source or dead-letter, so no worker can receive it
//     and claim or resume with it;
//   - no dead-lettered or redriven message carries its key (dead_at set; an indexed lookup), since
//     a dead letter can be redriven and claimed long after its record expired.
// Other messages with its key cannot outlive the record: a message is sent together with a
// record write (admit, complete) or by the claim owner (delayed copies), so it is younger than
// the record's window, and one older than the queue retention has been moved to a dead-letter
// queue (ExpireRetention) and so carries dead_at; DEDUP_TTL_SECONDS is validated to exceed the
// retention by a day.
//
// The state does not matter beyond that: a record in a final state (COMPLETED, SENT, DEAD) with
// a live message is kept, and an unfinished one that nothing can claim any more (its messages
// were purged or expired from the dead-letter queue) is deleted, because keeping it would change
// nothing but the size of the file.
//
// Every condition is evaluated inside the DELETE, in one transaction per batch of at most
// `batch_rows` candidates (the oldest expiries first).
//
// Thread safety: a function of a Database, which the caller uses from one thread at a time.
#pragma once

#include <cstdint>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/clock.h"
#include "wagate/base/status.h"

namespace wagate::sqlite {

struct ExpiredRecordCounts {
  int64_t deleted = 0;
  int64_t kept = 0;  // expired, but a message may still claim them or a lease is live
};

StatusOr<ExpiredRecordCounts> DeleteExpiredRecords(Database& db, Timestamp now, int64_t batch_rows);

}  // namespace wagate::sqlite
