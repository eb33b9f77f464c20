// SQL fragments on the `records` table shared by the sqlite work store and the queues.
//
// Thread safety: constants.
#pragma once

#include <string_view>

namespace wagate::sqlite {

// An assignment for UPDATE records SET …: appends {at, owner, fence, outcome, error} to the
// history (?3 now, ?4 outcome, ?5 error) and keeps the last 10 entries.
inline constexpr std::string_view kAppendHistory = R"sql(
history = (SELECT CASE WHEN json_array_length(h) > 10 THEN json_remove(h, '$[0]') ELSE h END
           FROM (SELECT json_insert(records.history, '$[#]',
                   json_object('at', ?3, 'owner', coalesce(records.owner, ''),
                               'fence', records.fence, 'outcome', ?4, 'error', ?5)) AS h)))sql";

}  // namespace wagate::sqlite
