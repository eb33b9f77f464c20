// Fuzzes whatsapp::SplitWebhook with arbitrary bodies. Besides crashes and sanitizer reports it
// checks, for every input, the contract of payload.h: item keys are well-formed and at most 512
// bytes, payloads are JSON naming their own key, quarantine records are capped and consistent,
// and the result is deterministic.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "wagate/whatsapp/payload.h"

namespace {

using wagate::domain::ItemKind;

void Require(bool condition, const char* invariant) {
  if (condition) return;
  std::fprintf(stderr, "invariant broken: %s\n", invariant);
  std::abort();
}

std::string_view KeyPrefixOf(ItemKind kind) {
  switch (kind) {
    case ItemKind::kMessage: return "msg:";
    case ItemKind::kStatus: return "st:";
    case ItemKind::kEvent: return "ev:";
    case ItemKind::kOutgoing: return "out:";
  }
  return "?";
}

void CheckItem(const wagate::domain::WorkItem& item) {
  Require(item.key.size() <= wagate::domain::kMaxKeyBytes, "key is at most 512 bytes");
  Require(item.kind != ItemKind::kOutgoing, "splitting yields no outgoing items");
  Require(item.key.starts_with(KeyPrefixOf(item.kind)), "key prefix matches the kind");
  Require(item.key.size() > KeyPrefixOf(item.kind).size(), "key has an id after its prefix");
  Require(item.key.find('\0') == std::string::npos, "key has no NUL");
  if (item.kind == ItemKind::kEvent) Require(item.key.size() == 3 + 64, "event key is a hash");

  static simdjson::dom::parser parser;
  simdjson::dom::element payload;
  Require(parser.parse(item.payload).get(payload) == simdjson::SUCCESS, "payload is JSON");
  std::string_view key;
  Require(payload["key"].get_string().get(key) == simdjson::SUCCESS && key == item.key,
          "payload names its key");
}

void CheckQuarantine(const wagate::domain::QuarantinedPayload& q) {
  Require(q.reason == "invalid_payload", "reason is invalid_payload");
  Require(!q.detail.empty(), "detail is set");
  Require(q.path.starts_with("$"), "path is a JSON path");
  Require(q.raw.size() <= wagate::domain::kMaxQuarantineRawBytes, "raw is capped");
  Require(q.truncated == (q.size > q.raw.size()), "truncated iff raw is shorter than size");
  Require(q.sha256.size() == 64, "sha256 is 64 hex digits");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const wagate::whatsapp::SplitResult result = wagate::whatsapp::SplitWebhook(body);

  if (result.whole_body_quarantined) {
    Require(result.items.empty(), "a whole-body quarantine has no items");
    Require(result.quarantined.size() == 1, "a whole-body quarantine has one record");
    Require(result.quarantined[0].path == "$", "a whole-body quarantine has path $");
    Require(result.quarantined[0].size == size, "a whole-body quarantine sizes the body");
  }
  for (const auto& item : result.items) CheckItem(item);
  for (const auto& q : result.quarantined) CheckQuarantine(q);

  const wagate::whatsapp::SplitResult again = wagate::whatsapp::SplitWebhook(body);
  Require(again.items.size() == result.items.size() &&
              again.quarantined.size() == result.quarantined.size(),
          "splitting is deterministic");
  for (size_t i = 0; i < result.items.size(); ++i) {
    Require(again.items[i].key == result.items[i].key &&
                again.items[i].payload == result.items[i].payload,
            "splitting is deterministic");
  }
  return 0;
}
