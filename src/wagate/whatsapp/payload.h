// Splitting a verified webhook body into work items (SPEC §1, §5).
//
// A body is entry[] × changes[] × value.{messages[], statuses[], errors[]}. Each message becomes
// an item "msg:<id>", each status "st:<id>:<status>", and every other change (field ≠
// "messages", or value.errors[]) one item "ev:<sha256 hex of JCS({"entry_id","field","value"})>".
// Unknown message types, unknown fields and unknown status values are accepted.
//
// Malformed input is quarantined, never rejected (SPEC §5):
//   - the whole body when it is not UTF-8 JSON, nests deeper than 64, has a duplicate key in any
//     object, or lacks an "entry" array;
//   - a single item when it lacks a string "id" (a status also needs a string "status"), its key
//     is over 512 bytes, it contains a string over 65536 bytes, or it contains U+0000.
// A whole-body quarantine stores the raw bytes (capped at 240 KiB); an item quarantine stores the
// item's JSON, minified, capped the same way. Either way size and sha256 describe the full bytes.
//
// Thread safety: SplitWebhook is reentrant; it keeps a parser per thread.
#pragma once

#include <string_view>
#include <vector>

#include "wagate/domain/work_item.h"

namespace wagate::whatsapp {

struct SplitLimits {
  size_t max_depth = 64;
  size_t max_string_bytes = 65536;
  size_t max_key_bytes = domain::kMaxKeyBytes;
};

struct SplitResult {
  std::vector<domain::WorkItem> items;
  std::vector<domain::QuarantinedPayload> quarantined;
  // True when the body as a whole was quarantined (then `items` is empty and `quarantined`
  // holds exactly one entry with path "$").
  bool whole_body_quarantined = false;
};

SplitResult SplitWebhook(std::string_view body, const SplitLimits& limits = {});

}  // namespace wagate::whatsapp
