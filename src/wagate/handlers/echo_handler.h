// EchoHandler: replies to every text message with its own text and marks it read; NoneHandler:
// completes every item without replies (SPEC §4 Handlers).
//
// Neither replies to the smoke-test messages of `wagate check --smoke` (wamid prefix
// "wamid.wagate-smoke-"), nor to statuses and events.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "wagate/ports/handler.h"

namespace wagate::handlers {

inline constexpr std::string_view kSmokeWamidPrefix = "wamid.wagate-smoke-";

class EchoHandler final : public ports::Handler {
 public:
  StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override;
};

class NoneHandler final : public ports::Handler {
 public:
  StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem&) override { return ports::HandlerResult{}; }
};

}  // namespace wagate::handlers
