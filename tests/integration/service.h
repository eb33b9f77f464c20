// What integration tests share about the service under test: its base environment, signed
// webhook headers, JSON answers and waiting for a record's state.
//
// Thread safety: pure functions, apart from AwaitState running `wagate inspect`.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "harness.h"

namespace wagate::integration {

inline constexpr char kSecret[] = "it-app-secret-7f3a";
inline constexpr char kVerifyToken[] = "it-verify-token-91b2";

// Sqlite in `data_dir`, the test secrets, two HTTP threads, and WORKERS=0 (ingest only: records
// stay QUEUED) unless the test sets it.
Env BaseEnv(const std::string& data_dir);

// Unix seconds now, for webhook timestamps.
int64_t NowSeconds();

// The X-Hub-Signature-256 header for `body` under kSecret.
Env Signed(const std::string& body);

// The answer's body as a JSON object (empty, with a test failure, when it is not one).
boost::json::object Json(const HttpResult& r);

// Polls `wagate inspect KEY --json` until the record reaches `state` (bounded; processing is
// asynchronous). Returns the last record seen.
boost::json::value AwaitState(const Env& env, const std::string& key, std::string_view state);
// The same, until the record reaches any of `states`.
boost::json::value AwaitAnyState(const Env& env, const std::string& key,
                                 std::initializer_list<std::string_view> states);

}  // namespace wagate::integration
