#include "wagate/whatsapp/payload.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wagate/whatsapp/jcs.h"
#include "wagate/whatsapp/signature.h"

namespace wagate::whatsapp {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Bodies up to this size are parsed by a parser kept per thread. Larger ones are rare and get a
// parser that is freed on return, so a thread's memory does not stay at its largest body's size.
constexpr size_t kReusedParserCapacity = 64 * 1024;

// simdjson counts depth slightly differently from us (an innermost empty container counts one
// less). Giving it this much headroom means its limit never fires first for a document within
// ours, while still bounding the recursion below; CheckStructure enforces the exact limit.
constexpr size_t kParserDepthHeadroom = 2;

// The walks over a document recurse once per level, so the depth limit is capped to keep the
// stack small whatever SplitLimits says.
constexpr size_t kMaxSupportedDepth = 1024;

// Up to this many members, duplicate names are found by comparing every pair, which for the
// small objects of a webhook is faster than sorting.
constexpr size_t kPairwiseNameCheckMax = 16;

// ----- Reading the DOM -----

std::optional<element> Member(object o, std::string_view name) {
  element e;
  if (o.at_key(name).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

std::optional<object> AsObject(std::optional<element> e) {
  object o;
  if (!e.has_value() || e->get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  return o;
}

std::optional<array> AsArray(std::optional<element> e) {
  array a;
  if (!e.has_value() || e->get_array().get(a) != simdjson::SUCCESS) return std::nullopt;
  return a;
}

std::optional<std::string_view> AsString(std::optional<element> e) {
  std::string_view s;
  if (!e.has_value() || e->get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

// A non-empty string member, or nullopt.
std::optional<std::string_view> NonEmptyString(object o, std::string_view name) {
  std::optional<std::string_view> s = AsString(Member(o, name));
  if (s.has_value() && s->empty()) return std::nullopt;
  return s;
}

// ----- Detail texts -----

// `s` quoted as JSON, cut to at most 64 bytes at a UTF-8 character boundary, for detail texts.
std::string QuotedExcerpt(std::string_view s) {
  constexpr size_t kMaxExcerpt = 64;
  std::string out;
  if (s.size() > kMaxExcerpt) {
    size_t cut = kMaxExcerpt;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    AppendJsonString(s.substr(0, cut), &out);
    out += "...";
  } else {
    AppendJsonString(s, &out);
  }
  return out;
}

std::string DecimalText(size_t n) {
  char buf[24];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

// ----- Strings an item must not contain -----

// A string an item must not contain (SPEC §5): over the size limit, or holding U+0000 (which
// text columns and C APIs downstream would truncate at).
enum class StringProblem { kNone, kTooLong, kNul };

StringProblem CheckString(std::string_view s, size_t max_bytes) {
  if (s.size() > max_bytes) return StringProblem::kTooLong;
  if (std::memchr(s.data(), '\0', s.size()) != nullptr) return StringProblem::kNul;
  return StringProblem::kNone;
}

// ----- Whole-body rules -----

// Reports a duplicate member name of `o`, using `names` as scratch space.
std::optional<std::string_view> FindDuplicateName(object o, std::vector<std::string_view>* names) {
  names->clear();
  for (auto [name, value] : o) names->push_back(name);
  if (names->size() <= kPairwiseNameCheckMax) {
    for (size_t i = 0; i < names->size(); ++i) {
      for (size_t j = i + 1; j < names->size(); ++j) {
        if ((*names)[i] == (*names)[j]) return (*names)[i];
      }
    }
    return std::nullopt;
  }
  std::sort(names->begin(), names->end());
  auto duplicate = std::adjacent_find(names->begin(), names->end());
  if (duplicate == names->end()) return std::nullopt;
  return *duplicate;
}

// The walk over the whole document that SplitWith does before splitting.
struct BodyWalk {
  size_t max_depth = 0;
  size_t max_string_bytes = 0;
  std::vector<std::string_view>* names = nullptr;  // scratch space, one object's names at a time
  std::string detail;                              // why the whole body is quarantined
  bool any_bad_string = false;  // whether any string breaks an item rule (CheckString)
};

// Checks the structural rules that quarantine the whole body: nesting (`value`, when a container,
// is at depth `depth`; the outermost container is at depth 1, scalars add nothing) and duplicate
// member names in any object. simdjson's DOM keeps duplicates, so every object is checked.
// Returns false and sets walk->detail on failure. Also notes whether any string breaks an item
// rule, so that the items of the (usual) clean body need not be scanned again one by one.
bool CheckStructure(element value, size_t depth, BodyWalk* walk) {
  const element_type type = value.type();
  if (type == element_type::STRING) {
    const std::string_view s = value.get_string().value_unsafe();
    walk->any_bad_string |= CheckString(s, walk->max_string_bytes) != StringProblem::kNone;
    return true;
  }
  if (type != element_type::OBJECT && type != element_type::ARRAY) return true;
  if (depth > walk->max_depth) {
    walk->detail = "nests deeper than " + DecimalText(walk->max_depth);
    return false;
  }
  if (type == element_type::ARRAY) {
    const array a = value.get_array().value_unsafe();
    for (element item : a) {
      if (!CheckStructure(item, depth + 1, walk)) return false;
    }
    return true;
  }
  const object o = value.get_object().value_unsafe();
  if (std::optional<std::string_view> name = FindDuplicateName(o, walk->names)) {
    walk->detail = "duplicate key " + QuotedExcerpt(*name);
    return false;
  }
  for (auto [name, member] : o) {
    walk->any_bad_string |= CheckString(name, walk->max_string_bytes) != StringProblem::kNone;
    if (!CheckStructure(member, depth + 1, walk)) return false;
  }
  return true;
}

// ----- Item rules -----

// The first problem among all strings in `value`, member names included.
StringProblem FindStringProblem(element value, size_t max_bytes) {
  if (std::string_view s; value.get_string().get(s) == simdjson::SUCCESS) {
    return CheckString(s, max_bytes);
  }
  if (object o; value.get_object().get(o) == simdjson::SUCCESS) {
    for (auto [name, member] : o) {
      StringProblem p = CheckString(name, max_bytes);
      if (p == StringProblem::kNone) p = FindStringProblem(member, max_bytes);
      if (p != StringProblem::kNone) return p;
    }
  } else if (array a; value.get_array().get(a) == simdjson::SUCCESS) {
    for (element item : a) {
      StringProblem p = FindStringProblem(item, max_bytes);
      if (p != StringProblem::kNone) return p;
    }
  }
  return StringProblem::kNone;
}

std::string DescribeStringProblem(StringProblem p, size_t max_bytes) {
  if (p == StringProblem::kTooLong) {
    return "contains a string over " + DecimalText(max_bytes) + " bytes";
  }
  return "contains U+0000";
}

// ----- Quarantine -----

domain::QuarantinedPayload MakeQuarantine(std::string_view bytes, std::string path,
                                          std::string detail) {
  domain::QuarantinedPayload q;
  q.detail = std::move(detail);
  q.path = std::move(path);
  q.truncated = bytes.size() > domain::kMaxQuarantineRawBytes;
  q.raw = std::string(bytes.substr(0, domain::kMaxQuarantineRawBytes));
  q.size = bytes.size();
  q.sha256 = Sha256Hex(bytes);
  return q;
}

// ----- JSON paths of pieces, built only when something is quarantined -----

std::string EntryPath(size_t entry) { return "$.entry[" + DecimalText(entry) + "]"; }

std::string ChangePath(size_t entry, size_t change) {
  return EntryPath(entry) + ".changes[" + DecimalText(change) + "]";
}

// ----- Splitting -----

// What one change's items share.
struct Change {
  size_t entry_index = 0;
  size_t change_index = 0;
  element change;                            // the whole change object
  std::optional<std::string_view> entry_id;  // entry[].id, when a string
  std::string_view field;
  element value_element;                                // the change's "value"
  object value;                                         // the same, as an object
  std::optional<array> contacts;                        // value.contacts, when an array
  StringProblem shared_problem = StringProblem::kNone;  // in entry id or metadata
  // ,"entry_id":…,"field":…,"phone_number_id":…,"display_phone_number":…,"metadata":… — the
  // part of every message and status payload that comes from the change.
  std::string payload_context;
};

void AppendStringOrNull(std::optional<std::string_view> s, std::string* out) {
  if (s.has_value()) {
    AppendJsonString(*s, out);
  } else {
    out->append("null");
  }
}

void AppendCompactOrNull(std::optional<element> e, std::string* out) {
  if (e.has_value()) {
    AppendCompactJson(*e, out);
  } else {
    out->append("null");
  }
}

// The contacts[] entry of the sender: the one whose wa_id (or, for users known only by a
// business-scoped id, user_id) equals the message's `from`; failing that the only contact when
// there is exactly one; otherwise none.
std::optional<element> FindContact(std::optional<array> contacts,
                                   std::optional<std::string_view> from) {
  if (!contacts.has_value()) return std::nullopt;
  if (from.has_value()) {
    for (element contact : *contacts) {
      std::optional<object> c = AsObject(contact);
      if (!c.has_value()) continue;
      if (AsString(Member(*c, "wa_id")) == from || AsString(Member(*c, "user_id")) == from) {
        return contact;
      }
    }
  }
  if (contacts->size() == 1) {
    element only = contacts->at(0).value_unsafe();
    if (only.is_object()) return only;
  }
  return std::nullopt;
}

class Splitter {
 public:
  // `any_bad_string` says whether any string of the body breaks an item rule; when none does,
  // the items need not be scanned.
  Splitter(const SplitLimits& limits, bool any_bad_string, SplitResult* result)
      : limits_(limits), scan_strings_(any_bad_string), result_(result) {}

  void SplitEntries(array entries) {
    size_t i = 0;
    for (element entry : entries) SplitEntry(entry, i++);
  }

 private:
  void SplitEntry(element entry_element, size_t i) {
    std::optional<object> entry = AsObject(entry_element);
    if (!entry.has_value()) {
      return Quarantine(entry_element, EntryPath(i), "entry is not an object");
    }
    std::optional<array> changes = AsArray(Member(*entry, "changes"));
    if (!changes.has_value()) {
      return Quarantine(entry_element, EntryPath(i), "entry lacks a \"changes\" array");
    }
    std::optional<std::string_view> entry_id = AsString(Member(*entry, "id"));
    size_t j = 0;
    for (element change : *changes) SplitChange(change, entry_id, i, j++);
  }

  void SplitChange(element change_element, std::optional<std::string_view> entry_id, size_t i,
                   size_t j) {
    std::optional<object> change_object = AsObject(change_element);
    if (!change_object.has_value()) {
      return Quarantine(change_element, ChangePath(i, j), "change is not an object");
    }
    std::optional<std::string_view> field = AsString(Member(*change_object, "field"));
    if (!field.has_value()) {
      return Quarantine(change_element, ChangePath(i, j), "change lacks a string \"field\"");
    }
    std::optional<element> value_element = Member(*change_object, "value");
    std::optional<object> value = AsObject(value_element);
    if (!value.has_value()) {
      return Quarantine(change_element, ChangePath(i, j), "change lacks an object \"value\"");
    }
    Change change{.entry_index = i,
                  .change_index = j,
                  .change = change_element,
                  .entry_id = entry_id,
                  .field = *field,
                  .value_element = *value_element,
                  .value = *value,
                  .contacts = std::nullopt,
                  .payload_context = {}};
    if (entry_id.has_value()) {
      change.shared_problem = CheckString(*entry_id, limits_.max_string_bytes);
    }
    if (change.shared_problem == StringProblem::kNone) {
      change.shared_problem = CheckString(change.field, limits_.max_string_bytes);
    }
    if (change.field != "messages") return AddEvent(change);
    SplitMessagesChange(change);
  }

  // field == "messages": one item per message and per status, plus one event when value.errors
  // is anything but absent or an empty array.
  void SplitMessagesChange(Change& change) {
    std::optional<element> metadata_element = Member(change.value, "metadata");
    std::optional<object> metadata = AsObject(metadata_element);
    if (metadata.has_value() && change.shared_problem == StringProblem::kNone) {
      change.shared_problem = FindStringProblemIn(*metadata_element);
    }
    change.contacts = AsArray(Member(change.value, "contacts"));

    std::string& context = change.payload_context;
    context.append(",\"entry_id\":");
    AppendStringOrNull(change.entry_id, &context);
    context.append(",\"field\":");
    AppendJsonString(change.field, &context);
    context.append(",\"phone_number_id\":");
    AppendStringOrNull(metadata ? AsString(Member(*metadata, "phone_number_id")) : std::nullopt,
                       &context);
    context.append(",\"display_phone_number\":");
    AppendStringOrNull(
        metadata ? AsString(Member(*metadata, "display_phone_number")) : std::nullopt, &context);
    context.append(",\"metadata\":");
    AppendCompactOrNull(metadata ? metadata_element : std::nullopt, &context);

    ForEachInArray(change, "messages", &Splitter::AddMessage);
    ForEachInArray(change, "statuses", &Splitter::AddStatus);

    std::optional<element> errors = Member(change.value, "errors");
    std::optional<array> error_array = AsArray(errors);
    if (errors.has_value() && !(error_array.has_value() && error_array->size() == 0)) {
      AddEvent(change);
    }
  }

  using ItemAdder = void (Splitter::*)(element item, const Change& change, size_t index);

  // Calls `add` for each element of value.<name>; a value.<name> that is present but not an
  // array is quarantined as one piece.
  void ForEachInArray(const Change& change, std::string_view name, ItemAdder add) {
    std::optional<element> member = Member(change.value, name);
    if (!member.has_value()) return;
    std::optional<array> items = AsArray(member);
    if (!items.has_value()) {
      return Quarantine(*member, ValuePath(change, name), std::string(name) + " is not an array");
    }
    result_->items.reserve(result_->items.size() + items->size());
    size_t k = 0;
    for (element item : *items) (this->*add)(item, change, k++);
  }

  void AddMessage(element message, const Change& change, size_t k) {
    std::optional<object> m = AsObject(message);
    std::optional<std::string_view> id = m ? NonEmptyString(*m, "id") : std::nullopt;
    if (!id.has_value()) {
      return Quarantine(message, ItemPath(change, "messages", k), "message lacks a string \"id\"");
    }
    std::optional<element> contact = FindContact(change.contacts, AsString(Member(*m, "from")));
    std::string key = "msg:";
    key.append(*id);
    if (std::optional<std::string> problem = ItemProblem(key, message, contact, change)) {
      return Quarantine(message, ItemPath(change, "messages", k), std::move(*problem));
    }

    std::string payload = PayloadStart(key, domain::ItemKind::kMessage, change);
    payload.append(",\"contact\":");
    AppendCompactOrNull(contact, &payload);
    payload.append(",\"message\":");
    AppendCompactJson(message, &payload);
    payload.push_back('}');
    AddItem(std::move(key), domain::ItemKind::kMessage, std::move(payload));
  }

  void AddStatus(element status_element, const Change& change, size_t k) {
    std::optional<object> s = AsObject(status_element);
    std::optional<std::string_view> id = s ? NonEmptyString(*s, "id") : std::nullopt;
    std::optional<std::string_view> status = s ? NonEmptyString(*s, "status") : std::nullopt;
    if (!id.has_value() || !status.has_value()) {
      return Quarantine(status_element, ItemPath(change, "statuses", k),
                        "status lacks a string \"id\" or \"status\"");
    }
    std::string key = "st:";
    key.append(*id).append(":").append(*status);
    if (std::optional<std::string> problem =
            ItemProblem(key, status_element, std::nullopt, change)) {
      return Quarantine(status_element, ItemPath(change, "statuses", k), std::move(*problem));
    }

    std::string payload = PayloadStart(key, domain::ItemKind::kStatus, change);
    payload.append(",\"status\":");
    AppendCompactJson(status_element, &payload);
    payload.push_back('}');
    AddItem(std::move(key), domain::ItemKind::kStatus, std::move(payload));
    std::optional<std::string_view> callback = NonEmptyString(*s, "biz_opaque_callback_data");
    if (callback.has_value() && callback->starts_with("out:") && callback->size() <= domain::kMaxKeyBytes) {
      result_->items.back().echo =
          domain::StatusEcho{std::string(*callback), std::string(*status), std::string(*id)};
    }
  }

  // One event for the whole change, keyed by the hash of its canonical form so that Meta's
  // redeliveries (same content, possibly re-serialised) map to the same key.
  void AddEvent(const Change& change) {
    StringProblem problem = change.shared_problem;
    if (problem == StringProblem::kNone) {
      problem = FindStringProblemIn(change.value_element);
    }
    if (problem != StringProblem::kNone) {
      return Quarantine(change.change, ChangePath(change.entry_index, change.change_index),
                        DescribeStringProblem(problem, limits_.max_string_bytes));
    }
    std::string canonical = "{\"entry_id\":";
    AppendStringOrNull(change.entry_id, &canonical);
    canonical.append(",\"field\":");
    AppendJsonString(change.field, &canonical);
    canonical.append(",\"value\":");
    AppendCanonicalJson(change.value_element, &canonical);
    canonical.push_back('}');
    std::string key = "ev:" + Sha256Hex(canonical);

    std::string payload = "{\"key\":";
    AppendJsonString(key, &payload);
    payload.append(",\"kind\":\"event\",\"entry_id\":");
    AppendStringOrNull(change.entry_id, &payload);
    payload.append(",\"field\":");
    AppendJsonString(change.field, &payload);
    payload.append(",\"value\":");
    AppendCompactJson(change.value_element, &payload);
    payload.push_back('}');
    AddItem(std::move(key), domain::ItemKind::kEvent, std::move(payload));
  }

  // Why a message or status may not be admitted under the rules they share, or nullopt: the
  // key's length, and the strings of everything the payload embeds (the item, its contact, the
  // entry id and metadata).
  std::optional<std::string> ItemProblem(std::string_view key, element item,
                                         std::optional<element> contact,
                                         const Change& change) const {
    if (key.size() > limits_.max_key_bytes) {
      return "key is over " + DecimalText(limits_.max_key_bytes) + " bytes";
    }
    if (change.shared_problem != StringProblem::kNone) {
      return "its entry id or metadata " +
             DescribeStringProblem(change.shared_problem, limits_.max_string_bytes);
    }
    StringProblem problem = FindStringProblemIn(item);
    if (problem == StringProblem::kNone && contact.has_value()) {
      problem = FindStringProblemIn(*contact);
    }
    if (problem == StringProblem::kNone) return std::nullopt;
    return DescribeStringProblem(problem, limits_.max_string_bytes);
  }

  // "$.entry[i].changes[j].value.<name>"
  static std::string ValuePath(const Change& change, std::string_view name) {
    std::string path = ChangePath(change.entry_index, change.change_index) + ".value.";
    path.append(name);
    return path;
  }

  // "$.entry[i].changes[j].value.<name>[k]"
  static std::string ItemPath(const Change& change, std::string_view name, size_t k) {
    return ValuePath(change, name) + "[" + DecimalText(k) + "]";
  }

  // {"key":…,"kind":…,"entry_id":…,"field":…,"phone_number_id":…,"display_phone_number":…,
  // "metadata":… — the caller appends the item's own members and the closing brace.
  static std::string PayloadStart(std::string_view key, domain::ItemKind kind,
                                  const Change& change) {
    std::string payload;
    payload.reserve(512 + change.payload_context.size());
    payload.append("{\"key\":");
    AppendJsonString(key, &payload);
    payload.append(",\"kind\":\"").append(domain::ItemKindName(kind)).append("\"");
    payload.append(change.payload_context);
    return payload;
  }

  void AddItem(std::string key, domain::ItemKind kind, std::string payload) {
    result_->items.push_back(
        domain::WorkItem{.key = std::move(key), .kind = kind, .payload = std::move(payload)});
  }

  // Quarantines one piece of the body, stored as its compact JSON.
  void Quarantine(element piece, std::string path, std::string detail) {
    std::string json;
    AppendCompactJson(piece, &json);
    result_->quarantined.push_back(MakeQuarantine(json, std::move(path), std::move(detail)));
  }

  // The first problem among the strings of `value`; none without scanning when the body has no
  // bad string at all.
  StringProblem FindStringProblemIn(element value) const {
    if (!scan_strings_) return StringProblem::kNone;
    return FindStringProblem(value, limits_.max_string_bytes);
  }

  const SplitLimits& limits_;
  const bool scan_strings_;
  SplitResult* result_;
};

// ----- Parsing -----

// Parses `body` with `parser`, (re)configuring it first when needed: at least `capacity` bytes,
// and a depth limit just above `max_depth`.
simdjson::error_code Parse(simdjson::dom::parser& parser, size_t capacity, std::string_view body,
                           size_t max_depth, element* root) {
  const size_t parser_depth = max_depth + kParserDepthHeadroom;
  capacity = std::max(capacity, body.size());
  if (parser.max_depth() != parser_depth || parser.capacity() < capacity) {
    if (simdjson::error_code error = parser.allocate(capacity, parser_depth)) return error;
  }
  return parser.parse(body.data(), body.size(), /*realloc_if_needed=*/true).get(*root);
}

SplitResult QuarantineWhole(std::string_view body, std::string detail) {
  SplitResult result;
  result.whole_body_quarantined = true;
  result.quarantined.push_back(MakeQuarantine(body, "$", std::move(detail)));
  return result;
}

// Names of one object at a time, for the duplicate check. Kept per thread to save an allocation
// per body, unless an unusually large object made it big.
std::vector<std::string_view>& NameScratch() {
  thread_local std::vector<std::string_view> names;
  constexpr size_t kMaxRetainedNames = 1024;
  if (names.capacity() > kMaxRetainedNames) names = {};
  return names;
}

SplitResult SplitWith(simdjson::dom::parser& parser, size_t capacity, std::string_view body,
                      const SplitLimits& limits) {
  element root;
  if (simdjson::error_code error = Parse(parser, capacity, body, limits.max_depth, &root)) {
    if (error == simdjson::DEPTH_ERROR) {
      return QuarantineWhole(body, "nests deeper than " + DecimalText(limits.max_depth));
    }
    // Nearly always malformed input; an allocation failure (MEMALLOC) would also land here,
    // and its detail text says so.
    return QuarantineWhole(body, std::string("not UTF-8 JSON: ") + simdjson::error_message(error));
  }
  BodyWalk walk{.max_depth = limits.max_depth,
                .max_string_bytes = limits.max_string_bytes,
                .names = &NameScratch(),
                .detail = {},
                .any_bad_string = false};
  if (!CheckStructure(root, 1, &walk)) return QuarantineWhole(body, std::move(walk.detail));
  std::optional<object> top = AsObject(root);
  std::optional<array> entries = top ? AsArray(Member(*top, "entry")) : std::nullopt;
  if (!entries.has_value()) return QuarantineWhole(body, "lacks an \"entry\" array");

  SplitResult result;
  Splitter(limits, walk.any_bad_string, &result).SplitEntries(*entries);
  return result;
}

}  // namespace

SplitResult SplitWebhook(std::string_view body, const SplitLimits& requested_limits) {
  SplitLimits limits = requested_limits;
  limits.max_depth = std::min(limits.max_depth, kMaxSupportedDepth);
  if (body.size() <= kReusedParserCapacity) {
    thread_local simdjson::dom::parser parser;
    return SplitWith(parser, kReusedParserCapacity, body, limits);
  }
  simdjson::dom::parser parser;
  return SplitWith(parser, body.size(), body, limits);
}

}  // namespace wagate::whatsapp
