// MessageIdSequence: allocates queue message ids inside a write transaction.
//
// Ids are the rowids of queue_messages. They come from a counter row in `sequences` rather than
// from max(rowid) or AUTOINCREMENT: a counter never hands out an id twice, even after the newest
// message was deleted, and it costs one read and one write per transaction instead of a
// bookkeeping write per inserted row. Every writer of queue_messages allocates through it.
//
// Usage, inside BEGIN IMMEDIATE … COMMIT:
//   MessageIdSequence ids;  RETURN_IF_ERROR(ids.Load(db));
//   int64_t id = ids.Next();  … insert with `id` …
//   RETURN_IF_ERROR(ids.Store(db));
//
// Thread safety: used by one thread, on one connection, within one transaction.
#pragma once

#include <cstdint>

#include "wagate/backends/sqlite/database.h"

namespace wagate::sqlite {

class MessageIdSequence {
 public:
  // Reads the counter; the caller holds the write lock.
  Status Load(Database& db);
  // The id Next() will return, without taking it.
  int64_t Peek() const { return last_ + 1; }
  // Takes the next unused id.
  int64_t Next() { return ++last_; }
  // Writes the counter back when ids were taken.
  Status Store(Database& db);

 private:
  int64_t loaded_ = 0;
  int64_t last_ = 0;
};

}  // namespace wagate::sqlite
