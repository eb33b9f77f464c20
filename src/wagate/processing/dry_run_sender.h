// DryRunSender: the sender's handler in dry-run (SENDER_DRY_RUN=true, or development without an
// access token; SPEC §4 Dry-run).
//
// For each outgoing item it builds the exact Graph API request it would send, records it as the
// item's result ({"dry_run":true,"phone_number_id":…,"request":{…}}), logs it, and completes.
// An item that could never be sent (e.g. recipient_unsupported) fails permanently and is
// dead-lettered, as it would be for real.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include "wagate/ports/handler.h"

namespace wagate::processing {

class DryRunSender final : public ports::Handler {
 public:
  StatusOr<ports::HandlerResult> Handle(const ports::HandlerItem& item) override;
};

}  // namespace wagate::processing
