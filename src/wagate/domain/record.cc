#include "wagate/domain/record.h"

#include <boost/json.hpp>

namespace wagate::domain {

namespace {
constexpr RecordState kAllStates[] = {
    RecordState::kPending,   RecordState::kQueued, RecordState::kProcessing,
    RecordState::kCompleted, RecordState::kDead,   RecordState::kSending,
    RecordState::kSent,      RecordState::kSentUncertain, RecordState::kFailed,
};

boost::json::value JsonOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return boost::json::string(text);
  return v;
}
}  // namespace

std::string_view RecordStateName(RecordState s) {
  switch (s) {
    case RecordState::kPending: return "PENDING";
    case RecordState::kQueued: return "QUEUED";
    case RecordState::kProcessing: return "PROCESSING";
    case RecordState::kCompleted: return "COMPLETED";
    case RecordState::kDead: return "DEAD";
    case RecordState::kSending: return "SENDING";
    case RecordState::kSent: return "SENT";
    case RecordState::kSentUncertain: return "SENT_UNCERTAIN";
    case RecordState::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

bool ParseRecordState(std::string_view name, RecordState* out) {
  for (RecordState s : kAllStates) {
    if (RecordStateName(s) == name) {
      *out = s;
      return true;
    }
  }
  return false;
}

namespace {
boost::json::array HistoryArray(const std::vector<Attempt>& history) {
  boost::json::array out;
  for (const Attempt& a : history) {
    out.push_back(boost::json::object{{"at", FormatRfc3339(a.at)},
                                      {"owner", a.owner},
                                      {"fence", a.fence},
                                      {"outcome", a.outcome},
                                      {"error", a.error}});
  }
  return out;
}
}  // namespace

std::string HistoryToJson(const std::vector<Attempt>& history) {
  return boost::json::serialize(HistoryArray(history));
}

std::string RecordToJson(const Record& r) {
  boost::json::object o;
  o["key"] = r.key;
  o["kind"] = ItemKindName(r.kind);
  o["state"] = RecordStateName(r.state);
  o["created_at"] = FormatRfc3339(r.created_at);
  o["updated_at"] = FormatRfc3339(r.updated_at);
  o["expires_at"] = FormatRfc3339(r.expires_at);
  o["attempts"] = r.attempts;
  o["owner"] = r.owner.empty() ? boost::json::value(nullptr) : boost::json::value(r.owner);
  o["lease_until"] = r.lease_until ? boost::json::value(FormatRfc3339(*r.lease_until))
                                   : boost::json::value(nullptr);
  o["fence"] = r.fence;
  o["queue_message_id"] = r.queue_message_id.empty() ? boost::json::value(nullptr)
                                                     : boost::json::value(r.queue_message_id);
  o["last_error"] = r.last_error.empty() ? boost::json::value(nullptr)
                                         : boost::json::value(r.last_error);
  o["history"] = HistoryArray(r.history);
  o["outputs"] = JsonOrNull(r.outputs);
  o["outputs_enqueued"] = r.outputs_enqueued;
  o["result"] = JsonOrNull(r.result);
  return boost::json::serialize(o);
}

}  // namespace wagate::domain
