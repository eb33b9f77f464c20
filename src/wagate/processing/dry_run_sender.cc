#include "wagate/processing/dry_run_sender.h"

#include <boost/json.hpp>

#include "wagate/base/log.h"
#include "wagate/whatsapp/graph_message.h"

namespace wagate::processing {

StatusOr<ports::HandlerResult> DryRunSender::Handle(const ports::HandlerItem& item) {
  StatusOr<whatsapp::GraphMessage> message = whatsapp::GraphMessageFor(item.payload);
  if (!message.ok()) return message.status();
  boost::json::object result{{"dry_run", true},
                             {"phone_number_id", message->phone_number_id},
                             {"request", boost::json::parse(message->body)}};
  log::Info("dry-run send", {log::F("key", item.key), log::F("phone_number_id", message->phone_number_id)});
  log::Debug("dry-run send body", {log::F("key", item.key), log::Personal("request", message->body)});
  ports::HandlerResult out;
  out.result = boost::json::serialize(result);
  return out;
}

}  // namespace wagate::processing
