#include "wagate/domain/work_item.h"

namespace wagate::domain {

std::string_view ItemKindName(ItemKind kind) {
  switch (kind) {
    case ItemKind::kMessage: return "message";
    case ItemKind::kStatus: return "status";
    case ItemKind::kEvent: return "event";
    case ItemKind::kOutgoing: return "outgoing";
  }
  return "unknown";
}

bool ParseItemKind(std::string_view name, ItemKind* out) {
  for (ItemKind k : {ItemKind::kMessage, ItemKind::kStatus, ItemKind::kEvent, ItemKind::kOutgoing}) {
    if (ItemKindName(k) == name) {
      *out = k;
      return true;
    }
  }
  return false;
}

std::string_view QueueNameText(QueueName q) {
  switch (q) {
    case QueueName::kIncoming: return "incoming";
    case QueueName::kOutgoing: return "outgoing";
    case QueueName::kAnalytics: return "analytics";
  }
  return "unknown";
}

QueueName QueueForKind(ItemKind kind) {
  switch (kind) {
    case ItemKind::kMessage:
    case ItemKind::kStatus: return QueueName::kIncoming;
    case ItemKind::kEvent: return QueueName::kAnalytics;
    case ItemKind::kOutgoing: return QueueName::kOutgoing;
  }
  return QueueName::kIncoming;
}

}  // namespace wagate::domain
