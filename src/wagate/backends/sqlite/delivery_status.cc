#include "wagate/backends/sqlite/delivery_status.h"

#include <string>

namespace wagate::sqlite {

namespace {

// The rank of a status value as SQL, for the expression `value`.
std::string Rank(std::string_view value) {
  std::string v(value);
  return "(CASE " + v +
         " WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'played' THEN 4"
         " WHEN 'failed' THEN 5 ELSE 0 END)";
}

const std::string& MergeSql() {
  static const std::string sql =
      "UPDATE records SET "
      "result = json_set(coalesce(result, '{}'), '$.delivery', ?2, "
      "                  '$.wamid', coalesce(json_extract(result, '$.wamid'), ?3)), "
      "lease_until = CASE WHEN state IN ('SENT_UNCERTAIN', 'FAILED') THEN NULL ELSE lease_until END, "
      "state = CASE WHEN state IN ('SENT_UNCERTAIN', 'FAILED') THEN 'SENT' ELSE state END, "
      "updated_at = ?4 "
      "WHERE key = ?1 AND kind = 'outgoing' AND " +
      Rank("?2") + " > " + Rank("json_extract(coalesce(result, '{}'), '$.delivery')");
  return sql;
}

}  // namespace

Status MergeDeliveryStatus(Database& db, const domain::StatusEcho& echo, int64_t now_ms) {
  StatusOr<Statement> stmt = db.Prepare(MergeSql());
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, echo.out_key)
      .Bind(2, echo.status)
      .Bind(3, echo.wamid)
      .Bind(4, now_ms)
      .Run();
}

}  // namespace wagate::sqlite
