#include "wagate/backends/sqlite/wal_checkpoint.h"

#include <filesystem>
#include <system_error>

namespace wagate::sqlite {

namespace {

int64_t WalBytes(const Database& db) {
  std::error_code ec;
  auto size = std::filesystem::file_size(db.path() + "-wal", ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

}  // namespace

StatusOr<WalCheckpointResult> CheckpointWal(Database& db, int64_t truncate_above_bytes) {
  WalCheckpointResult result;
  result.wal_bytes_before = WalBytes(db);
  int log_frames = 0;
  int done_frames = 0;
  int rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                     &done_frames);
  if (rc == SQLITE_BUSY) {
    result.busy = true;
  } else if (rc != SQLITE_OK) {
    return db.Error("wal_checkpoint(PASSIVE)");
  }
  result.wal_frames = log_frames;
  result.checkpointed_frames = done_frames;
  const bool all_copied = rc == SQLITE_OK && log_frames >= 0 && done_frames == log_frames;
  if (truncate_above_bytes <= 0 || result.wal_bytes_before <= truncate_above_bytes || !all_copied) {
    return result;
  }
  // Never wait: a reader still on the WAL or a writer holding the lock makes this pass give up.
  sqlite3_busy_timeout(db.handle(), 0);
  rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db.handle(), Database::kBusyTimeoutMs);
  if (rc == SQLITE_BUSY) {
    result.busy = true;
  } else if (rc != SQLITE_OK) {
    return db.Error("wal_checkpoint(TRUNCATE)");
  } else {
    result.truncated = true;
  }
  return result;
}

}  // namespace wagate::sqlite
