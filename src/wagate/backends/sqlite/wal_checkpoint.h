// WAL checkpoints off the hot path (SPEC §8).
//
// CheckpointWal() runs a PASSIVE checkpoint: it copies what it can from the WAL into the database
// file without waiting for, or blocking, any reader or writer. Only when the WAL file is larger
// than `truncate_above_bytes` (SPEC §8: 64 MiB; 0 never truncates) and the PASSIVE pass copied
// every frame does it also run a TRUNCATE checkpoint, with the busy handler off: that pass finds
// almost nothing left to copy, so it holds the write lock only to reset and truncate the WAL
// file, and when a reader or writer is in the way it gives up at once (busy) instead of stalling
// admits behind it. A TRUNCATE that has to copy a large WAL blocks the writer for tens of
// milliseconds, which is why it never runs otherwise.
//
// Thread safety: a function of a Database, which the caller uses from one thread at a time.
#pragma once

#include <cstdint>

#include "wagate/backends/sqlite/database.h"
#include "wagate/base/status.h"

namespace wagate::sqlite {

struct WalCheckpointResult {
  int64_t wal_frames = 0;           // frames in the WAL when the PASSIVE pass ran
  int64_t checkpointed_frames = 0;  // of those, frames now in the database file
  int64_t wal_bytes_before = 0;     // size of the WAL file before
  bool busy = false;                // a pass gave way to another connection
  bool truncated = false;           // the WAL file was truncated to zero bytes
};

StatusOr<WalCheckpointResult> CheckpointWal(Database& db, int64_t truncate_above_bytes);

}  // namespace wagate::sqlite
