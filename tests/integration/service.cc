#include "service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "wagate/whatsapp/signature.h"

namespace wagate::integration {

Env BaseEnv(const std::string& data_dir) {
  return Env{{"WAGATE_DATA_DIR", data_dir},
             {"WHATSAPP_APP_SECRET", kSecret},
             {"WHATSAPP_VERIFY_TOKEN", kVerifyToken},
             {"LOG_LEVEL", "info"},
             {"MIN_FREE_DISK_MB", "1"},
             {"HTTP_THREADS", "2"},
             {"WORKERS", "0"}};
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Env Signed(const std::string& body) {
  return Env{{"X-Hub-Signature-256", whatsapp::SignatureHeader(kSecret, body)}};
}

boost::json::object Json(const HttpResult& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  EXPECT_FALSE(ec) << r.body;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

boost::json::value AwaitState(const Env& env, const std::string& key, std::string_view state) {
  return AwaitAnyState(env, key, {state});
}

boost::json::value AwaitAnyState(const Env& env, const std::string& key,
                                 std::initializer_list<std::string_view> states) {
  boost::json::value record;
  for (int i = 0; i < 300; ++i) {
    CommandResult r = RunWagate({"inspect", key, "--json"}, env);
    boost::system::error_code ec;
    record = boost::json::parse(r.out, ec);
    if (!ec && record.is_object()) {
      for (std::string_view state : states) {
        if (record.at("state").as_string() == state) return record;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return record;
}

}  // namespace wagate::integration
