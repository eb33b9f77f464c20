#include "wagate/backends/sqlite/expired_records.h"

#include <limits>
#include <string>
#include <vector>

namespace wagate::sqlite {

namespace {

// The next expired records after the cursor (?2 expires_at, ?3 key), oldest expiry first.
constexpr std::string_view kSelectExpired = R"sql(
SELECT expires_at, key FROM records
WHERE expires_at <= ?1 AND (expires_at, key) > (?2, ?3)
ORDER BY expires_at, key LIMIT ?4
)sql";

// The whole deletion rule (see the header), decided inside the write.
constexpr std::string_view kDeleteIfUnclaimable = R"sql(
DELETE FROM records
WHERE key = ?1 AND expires_at <= ?2
  AND (lease_until IS NULL OR lease_until < ?2)
  AND NOT EXISTS (SELECT 1 FROM queue_messages
                  WHERE id = CAST(records.queue_message_id AS INTEGER))
  AND NOT EXISTS (SELECT 1 FROM queue_messages
                  WHERE key = records.key AND dead_at IS NOT NULL)
)sql";

}  // namespace

StatusOr<ExpiredRecordCounts> DeleteExpiredRecords(Database& db, Timestamp now, int64_t batch_rows) {
  if (batch_rows < 1) return InvalidArgumentError("records: batch_rows must be at least 1");
  const int64_t now_ms = ToUnixMillis(now);
  ExpiredRecordCounts counts;
  int64_t cursor_expires = std::numeric_limits<int64_t>::min();
  std::string cursor_key;
  for (;;) {
    size_t candidates = 0;
    Status s = db.InTransaction([&]() -> Status {
      std::vector<std::string> keys;
      {
        StatusOr<Statement> select = db.Prepare(kSelectExpired);
        if (!select.ok()) return select.status();
        select->Bind(1, now_ms).Bind(2, cursor_expires).Bind(3, std::string_view(cursor_key)).Bind(4, batch_rows);
        for (;;) {
          StatusOr<bool> row = select->Step();
          if (!row.ok()) return row.status();
          if (!*row) break;
          cursor_expires = select->ColumnInt(0);
          keys.push_back(select->ColumnText(1));
        }
      }
      candidates = keys.size();
      if (keys.empty()) return Status::Ok();
      cursor_key = keys.back();
      StatusOr<Statement> remove = db.Prepare(kDeleteIfUnclaimable);
      if (!remove.ok()) return remove.status();
      for (const std::string& key : keys) {
        WAGATE_RETURN_IF_ERROR(remove->Bind(1, std::string_view(key)).Bind(2, now_ms).Run());
        if (db.Changes() == 1) {
          ++counts.deleted;
        } else {
          ++counts.kept;
        }
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    if (static_cast<int64_t>(candidates) < batch_rows) return counts;
  }
}

}  // namespace wagate::sqlite
