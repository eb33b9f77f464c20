#include "wagate/whatsapp/payload.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>

#include "wagate/whatsapp/signature.h"
#include "wagate/whatsapp/test_data.h"

namespace wagate::whatsapp {
namespace {

using domain::ItemKind;
using domain::kMaxQuarantineRawBytes;

constexpr char kContact[] = R"({"profile":{"name":"Ana"},"wa_id":"16505551234"})";
constexpr char kItemPath[] = "$.entry[0].changes[0].value.messages";

// A body with one entry and one "messages" change whose value has metadata and then
// `value_members` (JSON members, without braces).
std::string MessagesBody(const std::string& value_members) {
  return R"({"object":"whatsapp_business_account","entry":[{"id":"E1","changes":[{"field":"messages",)"
         R"("value":{"messaging_product":"whatsapp",)"
         R"("metadata":{"display_phone_number":"15550000000","phone_number_id":"PNID"},)" +
         value_members + "}}]}]}";
}

// A text message object; `extra` is appended as further members.
std::string TextMessage(const std::string& id, const std::string& from = "16505551234",
                        const std::string& extra = "") {
  return R"({"from":")" + from + R"(","id":")" + id +
         R"(","timestamp":"1764000000","type":"text","text":{"body":"hi"})" + extra + "}";
}

std::string MessagesArray(const std::vector<std::string>& messages) {
  std::string out = R"("contacts":[)" + std::string(kContact) + R"(],"messages":[)";
  for (size_t i = 0; i < messages.size(); ++i) out += (i ? "," : "") + messages[i];
  return out + "]";
}

// A parsed item payload, for reading members by JSON pointer.
class Payload {
 public:
  explicit Payload(const std::string& json) {
    valid_ = parser_.parse(json).get(root_) == simdjson::SUCCESS;
  }
  bool valid() const { return valid_; }
  std::string String(std::string_view pointer) {
    std::string_view s;
    if (root_.at_pointer(pointer).get_string().get(s) != simdjson::SUCCESS) return "<none>";
    return std::string(s);
  }
  bool IsNull(std::string_view pointer) {
    simdjson::dom::element e;
    return root_.at_pointer(pointer).get(e) == simdjson::SUCCESS && e.is_null();
  }
  bool Has(std::string_view pointer) {
    simdjson::dom::element e;
    return root_.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  bool valid_ = false;
};

// Checks what holds for every result: payloads are JSON naming their own key and kind.
void ExpectWellFormed(const SplitResult& r) {
  for (const domain::WorkItem& item : r.items) {
    Payload p(item.payload);
    ASSERT_TRUE(p.valid()) << item.payload;
    EXPECT_EQ(p.String("/key"), item.key);
    EXPECT_EQ(p.String("/kind"), domain::ItemKindName(item.kind));
  }
  for (const domain::QuarantinedPayload& q : r.quarantined) {
    EXPECT_EQ(q.reason, "invalid_payload");
    EXPECT_FALSE(q.detail.empty());
    EXPECT_LE(q.raw.size(), kMaxQuarantineRawBytes);
    EXPECT_EQ(q.truncated, q.size > q.raw.size());
    EXPECT_EQ(q.sha256.size(), 64u);
  }
  if (r.whole_body_quarantined) {
    EXPECT_TRUE(r.items.empty());
    ASSERT_EQ(r.quarantined.size(), 1u);
    EXPECT_EQ(r.quarantined[0].path, "$");
  }
}

SplitResult Split(const std::string& body, const SplitLimits& limits = {}) {
  SplitResult r = SplitWebhook(body, limits);
  ExpectWellFormed(r);
  return r;
}

void ExpectWhole(const std::string& body, const std::string& detail_part,
                 const SplitLimits& limits = {}) {
  SplitResult r = Split(body, limits);
  ASSERT_TRUE(r.whole_body_quarantined) << body.substr(0, 200);
  const domain::QuarantinedPayload& q = r.quarantined[0];
  EXPECT_NE(q.detail.find(detail_part), std::string::npos) << q.detail;
  EXPECT_EQ(q.size, body.size());
  EXPECT_EQ(q.sha256, Sha256Hex(body));
  EXPECT_EQ(q.raw, body.substr(0, kMaxQuarantineRawBytes));
}

// ----- Meta's payload shapes -----

TEST(SplitWebhookTest, TextMessage) {
  SplitResult r = Split(ReadTestData("a_text_message.json"));
  EXPECT_FALSE(r.whole_body_quarantined);
  EXPECT_TRUE(r.quarantined.empty());
  ASSERT_EQ(r.items.size(), 1u);
  const domain::WorkItem& item = r.items[0];
  EXPECT_EQ(item.key, "msg:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMDFGRjQ1QzI3QjhEOTE2RTdDAA==");
  EXPECT_EQ(item.kind, ItemKind::kMessage);
  Payload p(item.payload);
  EXPECT_EQ(p.String("/entry_id"), "301234567890123");
  EXPECT_EQ(p.String("/field"), "messages");
  EXPECT_EQ(p.String("/phone_number_id"), "112233445566778");
  EXPECT_EQ(p.String("/display_phone_number"), "15551230000");
  EXPECT_EQ(p.String("/metadata/phone_number_id"), "112233445566778");
  EXPECT_EQ(p.String("/contact/wa_id"), "5215512345678");
  EXPECT_EQ(p.String("/contact/profile/name"), "Maria Lopez");
  EXPECT_EQ(p.String("/message/from"), "5215512345678");
  EXPECT_EQ(p.String("/message/text/body"), "Hola, \u00bftienen env\u00edo hoy?");
}

TEST(SplitWebhookTest, ImageAndInteractiveMessages) {
  SplitResult image = Split(ReadTestData("b_image_message.json"));
  ASSERT_EQ(image.items.size(), 1u);
  EXPECT_EQ(image.items[0].key,
            "msg:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBQkM5OTAxMjM0NTY3ODlBQkNEAA==");
  EXPECT_EQ(Payload(image.items[0].payload).String("/message/image/caption"), "Este modelo");

  SplitResult reply = Split(ReadTestData("c_interactive_reply.json"));
  ASSERT_EQ(reply.items.size(), 1u);
  EXPECT_EQ(reply.items[0].key,
            "msg:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBRkYwMTIzNDU2Nzg5MEFCQ0RFAA==");
  Payload p(reply.items[0].payload);
  EXPECT_EQ(p.String("/message/interactive/button_reply/id"), "confirm_order");
  EXPECT_EQ(p.String("/message/context/from"), "15551230000");
  EXPECT_EQ(p.String("/contact/wa_id"), "5215512345678");
}

TEST(SplitWebhookTest, BatchOfTwoMessagesSharesTheContact) {
  SplitResult r = Split(ReadTestData("d_batch_two_messages.json"));
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].key,
            "msg:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMTExMTExMTExMTExMTExMTExAA==");
  EXPECT_EQ(r.items[1].key,
            "msg:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFDNBMjIyMjIyMjIyMjIyMjIyMjIyAA==");
  for (const domain::WorkItem& item : r.items) {
    EXPECT_EQ(item.kind, ItemKind::kMessage);
    EXPECT_EQ(Payload(item.payload).String("/contact/profile/name"), "Maria Lopez");
  }
  EXPECT_EQ(Payload(r.items[1].payload).String("/message/text/body"), "\u00bfaceptan tarjeta?");
}

TEST(SplitWebhookTest, DeliveredStatus) {
  SplitResult r = Split(ReadTestData("e_status_delivered.json"));
  ASSERT_EQ(r.items.size(), 1u);
  const domain::WorkItem& item = r.items[0];
  EXPECT_EQ(item.key,
            "st:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEjNFQjBBQkNERUYwMTIzNDU2NwA=:delivered");
  EXPECT_EQ(item.kind, ItemKind::kStatus);
  Payload p(item.payload);
  EXPECT_EQ(p.String("/phone_number_id"), "112233445566778");
  EXPECT_EQ(p.String("/status/recipient_id"), "5215512345678");
  EXPECT_EQ(p.String("/status/pricing/category"), "service");
  EXPECT_FALSE(p.Has("/contact"));
}

TEST(SplitWebhookTest, FailedStatusWithErrors) {
  SplitResult r = Split(ReadTestData("f_status_failed.json"));
  ASSERT_EQ(r.items.size(), 1u);  // statuses[].errors is part of the status, not an event
  EXPECT_EQ(r.items[0].key,
            "st:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEjVGNjA3MDgwOTBBMEIwQzBEMAA=:failed");
  EXPECT_EQ(Payload(r.items[0].payload).String("/status/errors/0/title"), "Re-engagement message");
}

TEST(SplitWebhookTest, SignatureVectorBodyIsUnescapedInThePayload) {
  SplitResult r = Split(ReadTestData("signature_vector.json"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key, "msg:wamid.TEST1");
  Payload p(r.items[0].payload);
  EXPECT_EQ(p.String("/message/text/body"), "caf\u00e9 / a@b");
  EXPECT_EQ(p.String("/contact/profile/name"), "Ana");
  EXPECT_EQ(p.String("/entry_id"), "102290129340398");
}

TEST(SplitWebhookTest, UnknownStatusValuesAndMessageTypesAreAccepted) {
  SplitResult r = Split(MessagesBody(
      R"("statuses":[{"id":"wamid.S1","status":"deleted_by_future_api","recipient_id":"1"}],)"
      R"("messages":[{"from":"1","id":"wamid.M1","type":"hologram","hologram":{"x":1}}])"));
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_TRUE(r.quarantined.empty());
  EXPECT_EQ(r.items[0].key, "msg:wamid.M1");
  EXPECT_EQ(r.items[1].key, "st:wamid.S1:deleted_by_future_api");
}

TEST(SplitWebhookTest, BusinessScopedSenderIdMatchesContactByUserId) {
  SplitResult r =
      Split(MessagesBody(R"("contacts":[{"profile":{"name":"A"},"wa_id":"111"},)"
                         R"({"profile":{"name":"B"},"user_id":"US.13491208655302741918"}],)"
                         R"("messages":[)" +
                         TextMessage("wamid.B", "US.13491208655302741918") + "]"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(Payload(r.items[0].payload).String("/contact/profile/name"), "B");
}

TEST(SplitWebhookTest, ContactFallsBackToTheOnlyOneElseNull) {
  SplitResult only = Split(MessagesBody(R"("contacts":[{"wa_id":"999"}],"messages":[)" +
                                        TextMessage("wamid.X", "111") + "]"));
  ASSERT_EQ(only.items.size(), 1u);
  EXPECT_EQ(Payload(only.items[0].payload).String("/contact/wa_id"), "999");

  SplitResult two = Split(MessagesBody(R"("contacts":[{"wa_id":"998"},{"wa_id":"999"}],)"
                                       R"("messages":[)" +
                                       TextMessage("wamid.X", "111") + "]"));
  ASSERT_EQ(two.items.size(), 1u);
  EXPECT_TRUE(Payload(two.items[0].payload).IsNull("/contact"));

  SplitResult none = Split(MessagesBody(R"("messages":[)" + TextMessage("wamid.X") + "]"));
  ASSERT_EQ(none.items.size(), 1u);
  EXPECT_TRUE(Payload(none.items[0].payload).IsNull("/contact"));
}

TEST(SplitWebhookTest, MissingMetadataGivesNulls) {
  SplitResult r = Split(
      R"({"entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.N"}]}}]}]})");
  ASSERT_EQ(r.items.size(), 1u);
  Payload p(r.items[0].payload);
  EXPECT_TRUE(p.IsNull("/entry_id"));
  EXPECT_TRUE(p.IsNull("/phone_number_id"));
  EXPECT_TRUE(p.IsNull("/display_phone_number"));
  EXPECT_TRUE(p.IsNull("/metadata"));
  EXPECT_TRUE(p.IsNull("/contact"));
}

TEST(SplitWebhookTest, BatchOfAThousandMessagesAcrossEntriesAndChanges) {
  std::string body = R"({"object":"whatsapp_business_account","entry":[)";
  int n = 0;
  for (int e = 0; e < 2; ++e) {
    body += (e ? "," : "") + std::string(R"({"id":"E)") + std::to_string(e) + R"(","changes":[)";
    for (int c = 0; c < 2; ++c) {
      std::vector<std::string> messages;
      for (int m = 0; m < 250; ++m, ++n) {
        messages.push_back(TextMessage("wamid." + std::to_string(n), n % 2 ? "222" : "111"));
      }
      std::string value = R"("contacts":[{"wa_id":"111","profile":{"name":"One"}},)"
                          R"({"wa_id":"222","profile":{"name":"Two"}}],"messages":[)";
      for (size_t i = 0; i < messages.size(); ++i) value += (i ? "," : "") + messages[i];
      body += std::string(c ? "," : "") + R"({"field":"messages","value":{)" + value + "]}}";
    }
    body += "]}";
  }
  body += "]}";
  ASSERT_GT(body.size(), 64u * 1024);  // also covers the per-call parser for large bodies

  SplitResult r = Split(body);
  ASSERT_EQ(r.items.size(), 1000u);
  EXPECT_TRUE(r.quarantined.empty());
  std::set<std::string> keys;
  for (size_t i = 0; i < r.items.size(); ++i) {
    EXPECT_EQ(r.items[i].key, "msg:wamid." + std::to_string(i));  // document order
    keys.insert(r.items[i].key);
    Payload p(r.items[i].payload);
    EXPECT_EQ(p.String("/contact/profile/name"), i % 2 ? "Two" : "One");
    EXPECT_EQ(p.String("/entry_id"), i < 500 ? "E0" : "E1");
  }
  EXPECT_EQ(keys.size(), 1000u);
}

// ----- Events -----

TEST(SplitWebhookTest, OtherFieldIsOneEventKeyedByItsCanonicalForm) {
  SplitResult r =
      Split(R"({"object":"whatsapp_business_account","entry":[{"id":"301","changes":[)"
            R"({"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","n":1.50}}]}]})");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].kind, ItemKind::kEvent);
  EXPECT_EQ(r.items[0].key, "ev:" + Sha256Hex(R"({"entry_id":"301","field":"account_update",)"
                                              R"("value":{"event":"VERIFIED_ACCOUNT","n":1.5}})"));
  Payload p(r.items[0].payload);
  EXPECT_EQ(p.String("/entry_id"), "301");
  EXPECT_EQ(p.String("/field"), "account_update");
  EXPECT_EQ(p.String("/value/event"), "VERIFIED_ACCOUNT");
}

TEST(SplitWebhookTest, EventKeyIgnoresMemberOrderWhitespaceAndEscaping) {
  const std::string a =
      R"({"entry":[{"id":"301","changes":[{"field":"security","value":{"b":[1,2],"a":"caf\u00e9\/x"}}]}]})";
  const std::string b = R"( { "entry" : [ { "changes" : [ { "value" : { "a" : "café/x" ,
      "b" : [ 1.0 , 2e0 ] } , "field" : "security" } ] , "id" : "301" } ] } )";
  const std::string other_value =
      R"({"entry":[{"id":"301","changes":[{"field":"security","value":{"b":[1,3],"a":"café/x"}}]}]})";
  const std::string other_entry =
      R"({"entry":[{"id":"302","changes":[{"field":"security","value":{"b":[1,2],"a":"café/x"}}]}]})";
  const std::string no_entry_id =
      R"({"entry":[{"changes":[{"field":"security","value":{"b":[1,2],"a":"café/x"}}]}]})";
  const std::string key = Split(a).items.at(0).key;
  EXPECT_EQ(Split(b).items.at(0).key, key);
  EXPECT_NE(Split(other_value).items.at(0).key, key);
  EXPECT_NE(Split(other_entry).items.at(0).key, key);
  EXPECT_EQ(Split(no_entry_id).items.at(0).key,
            "ev:" + Sha256Hex(R"({"entry_id":null,"field":"security",)"
                              R"("value":{"a":"café/x","b":[1,2]}})"));
}

TEST(SplitWebhookTest, ValueErrorsAddOneEventForTheChange) {
  const std::string errors =
      R"("errors":[{"code":130429,"title":"Rate limit hit","message":"Rate limit hit"}])";
  SplitResult only_errors = Split(MessagesBody(errors));
  ASSERT_EQ(only_errors.items.size(), 1u);
  EXPECT_EQ(only_errors.items[0].kind, ItemKind::kEvent);
  EXPECT_EQ(Payload(only_errors.items[0].payload).String("/value/errors/0/title"),
            "Rate limit hit");

  SplitResult with_message =
      Split(MessagesBody(MessagesArray({TextMessage("wamid.E")}) + "," + errors));
  ASSERT_EQ(with_message.items.size(), 2u);
  EXPECT_EQ(with_message.items[0].key, "msg:wamid.E");
  EXPECT_EQ(with_message.items[1].kind, ItemKind::kEvent);

  SplitResult empty_errors =
      Split(MessagesBody(MessagesArray({TextMessage("wamid.E")}) + R"(,"errors":[])"));
  ASSERT_EQ(empty_errors.items.size(), 1u);
  EXPECT_EQ(empty_errors.items[0].kind, ItemKind::kMessage);
}

// ----- Whole-body quarantine -----

TEST(SplitWebhookTest, InvalidUtf8IsQuarantinedWhole) {
  ExpectWhole(MessagesBody(MessagesArray({TextMessage("wamid.\xff\xfe")})), "UTF-8");
  ExpectWhole(MessagesBody(MessagesArray({TextMessage("wamid.\xc0\xaf")})), "UTF-8");
  // An escaped lone surrogate cannot be decoded to UTF-8 either.
  ExpectWhole(MessagesBody(MessagesArray({TextMessage("wamid.\\ud800")})), "JSON");
}

TEST(SplitWebhookTest, NotJsonIsQuarantinedWhole) {
  ExpectWhole("", "JSON");
  ExpectWhole("   ", "JSON");
  ExpectWhole("{\"entry\":[", "JSON");
  ExpectWhole("{\"entry\":[]} x", "JSON");
  ExpectWhole("entry=1", "JSON");
  // A raw control character inside a string must be escaped in JSON.
  ExpectWhole(MessagesBody(MessagesArray({TextMessage("wamid.a\x01")})), "JSON");
  // A number beyond what a double or a 64-bit integer holds.
  ExpectWhole(R"({"entry":[],"n":1e400})", "JSON");
}

TEST(SplitWebhookTest, RawNulByteIsQuarantinedWhole) {
  std::string body = MessagesBody(MessagesArray({TextMessage("wamid.A")}));
  ExpectWhole(body + std::string(1, '\0'), "JSON");
  std::string in_string = MessagesBody(MessagesArray({TextMessage("wamid.A")}));
  in_string.replace(in_string.find("hi"), 2, std::string("h\0i", 3));
  ExpectWhole(in_string, "JSON");
}

TEST(SplitWebhookTest, TopLevelMustBeAnObjectWithAnEntryArray) {
  ExpectWhole(R"([{"entry":[]}])", "entry");
  ExpectWhole(R"("entry")", "entry");
  ExpectWhole(R"({"object":"whatsapp_business_account"})", "entry");
  ExpectWhole(R"({"entry":{"id":"1"}})", "entry");
  ExpectWhole(R"({"entry":null})", "entry");
  SplitResult empty = Split(R"({"entry":[]})");
  EXPECT_FALSE(empty.whole_body_quarantined);
  EXPECT_TRUE(empty.items.empty());
  EXPECT_TRUE(empty.quarantined.empty());
}

TEST(SplitWebhookTest, DuplicateKeyAnywhereIsQuarantinedWhole) {
  ExpectWhole(R"({"entry":[],"entry":[]})", "duplicate key \"entry\"");
  ExpectWhole(MessagesBody(MessagesArray({TextMessage("wamid.A", "1", R"(,"id":"wamid.B")")})),
              "duplicate key \"id\"");
  ExpectWhole(MessagesBody(
                  MessagesArray({TextMessage("wamid.A", "1", R"(,"x":[{"deep":{"k":1,"k":2}}])")})),
              "duplicate key \"k\"");
  // Names that are equal once unescaped are duplicates.
  ExpectWhole(R"({"entry":[],"a":1,"\u0061":2})", "duplicate key \"a\"");
  // Objects big enough to be checked by sorting.
  std::string big = R"({"entry":[])";
  for (int i = 0; i < 40; ++i) big += ",\"k" + std::to_string(i) + "\":1";
  EXPECT_FALSE(Split(big + "}").whole_body_quarantined);
  ExpectWhole(big + R"(,"k17":2})", "duplicate key \"k17\"");
}

// `count` nested containers, alternately objects and arrays; the innermost holds the number 1,
// or nothing when `empty_innermost`.
std::string Nest(int count, bool empty_innermost) {
  std::string open;
  std::string close;
  for (int i = 0; i < count; ++i) {
    const bool object = i % 2 == 0;
    if (i == count - 1 && empty_innermost) {
      open += object ? "{}" : "[]";
      return open + close;
    }
    open += object ? "{\"n\":" : "[";
    close.insert(0, object ? "}" : "]");
  }
  return open + "1" + close;
}

// A body whose deepest container is at `depth`. Its message object is at depth 8: {body}
// [entry] {entry} [changes] {change} {value} [messages] {message}.
std::string BodyOfDepth(int depth, bool empty_innermost) {
  return MessagesBody(
      MessagesArray({TextMessage("wamid.D", "1", ",\"x\":" + Nest(depth - 8, empty_innermost))}));
}

TEST(SplitWebhookTest, DepthIsCountedFromTheOutermostObjectAsOne) {
  // 64 levels are accepted, 65 quarantine the whole body; the innermost level may be a
  // container holding a scalar or an empty one.
  SplitResult at_limit = Split(BodyOfDepth(64, false));
  EXPECT_FALSE(at_limit.whole_body_quarantined);
  EXPECT_EQ(at_limit.items.size(), 1u);
  ExpectWhole(BodyOfDepth(65, false), "nests deeper than 64");
  SplitResult at_limit_empty = Split(BodyOfDepth(64, true));
  EXPECT_FALSE(at_limit_empty.whole_body_quarantined);
  EXPECT_EQ(at_limit_empty.items.size(), 1u);
  ExpectWhole(BodyOfDepth(65, true), "nests deeper than 64");
}

TEST(SplitWebhookTest, VeryDeepNestingIsQuarantinedWhole) {
  ExpectWhole(std::string(1000, '[') + std::string(1000, ']'), "nests deeper than 64");
  ExpectWhole(R"({"entry":[],"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}",
              "nests deeper than 64");
}

TEST(SplitWebhookTest, DepthLimitIsConfigurable) {
  SplitLimits limits;
  limits.max_depth = 10;
  EXPECT_FALSE(Split(BodyOfDepth(10, false), limits).whole_body_quarantined);
  ExpectWhole(BodyOfDepth(11, false), "nests deeper than 10", limits);
  // Back to the default on the same thread (the parser is reconfigured).
  EXPECT_FALSE(Split(BodyOfDepth(64, false)).whole_body_quarantined);
  // Limits beyond what the recursive walks support are capped at 1024 levels.
  limits.max_depth = 1'000'000;
  EXPECT_FALSE(Split(BodyOfDepth(1024, false), limits).whole_body_quarantined);
  ExpectWhole(BodyOfDepth(1025, false), "nests deeper than 1024", limits);
}

// ----- Single-item quarantine -----

TEST(SplitWebhookTest, EscapedNulQuarantinesOnlyThatItem) {
  SplitResult r = Split(MessagesBody(MessagesArray(
      {TextMessage("wamid.OK"), TextMessage("wamid.NUL", "1", R"(,"note":"a\u0000b")")})));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key, "msg:wamid.OK");
  ASSERT_EQ(r.quarantined.size(), 1u);
  const domain::QuarantinedPayload& q = r.quarantined[0];
  EXPECT_EQ(q.path, std::string(kItemPath) + "[1]");
  EXPECT_NE(q.detail.find("U+0000"), std::string::npos);
  EXPECT_NE(q.raw.find("wamid.NUL"), std::string::npos);
  EXPECT_EQ(q.raw, R"({"from":"1","id":"wamid.NUL","timestamp":"1764000000","type":"text",)"
                   R"("text":{"body":"hi"},"note":"a\u0000b"})");
  EXPECT_EQ(q.size, q.raw.size());
  EXPECT_EQ(q.sha256, Sha256Hex(q.raw));
  EXPECT_FALSE(q.truncated);
}

TEST(SplitWebhookTest, EscapedNulInAMemberNameOrIdQuarantinesTheItem) {
  SplitResult in_name = Split(MessagesBody(
      MessagesArray({TextMessage("wamid.A", "1", R"(,"\u0000":1)"), TextMessage("wamid.B")})));
  ASSERT_EQ(in_name.items.size(), 1u);
  EXPECT_EQ(in_name.quarantined.at(0).path, std::string(kItemPath) + "[0]");

  SplitResult in_id = Split(MessagesBody(MessagesArray({TextMessage("wamid.\\u0000")})));
  EXPECT_TRUE(in_id.items.empty());
  EXPECT_EQ(in_id.quarantined.size(), 1u);
}

TEST(SplitWebhookTest, EscapedNulInSharedMetadataQuarantinesEveryItemOfTheChange) {
  SplitResult r = Split(R"({"entry":[{"id":"E","changes":[{"field":"messages","value":{"metadata":)"
                        R"({"phone_number_id":"P\u0000"},"messages":[{"id":"a"},{"id":"b"}],)"
                        R"("statuses":[{"id":"c","status":"sent"}]}}]}]})");
  EXPECT_TRUE(r.items.empty());
  ASSERT_EQ(r.quarantined.size(), 3u);
  EXPECT_EQ(r.quarantined[2].path, "$.entry[0].changes[0].value.statuses[0]");
  EXPECT_EQ(r.quarantined[0].detail, "its entry id or metadata contains U+0000");
}

TEST(SplitWebhookTest, EscapedNulInTheMatchedContactQuarantinesTheMessage) {
  SplitResult r = Split(MessagesBody(
      R"("contacts":[{"wa_id":"1","profile":{"name":"\u0000"}},{"wa_id":"2"}],"messages":[)" +
      TextMessage("wamid.ONE", "1") + "," + TextMessage("wamid.TWO", "2") + "]"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key, "msg:wamid.TWO");
  ASSERT_EQ(r.quarantined.size(), 1u);
  EXPECT_EQ(r.quarantined[0].path, std::string(kItemPath) + "[0]");
}

TEST(SplitWebhookTest, HugeStringQuarantinesOnlyThatItem) {
  const std::string at_limit(65536, 'x');
  const std::string over(65537, 'x');
  SplitResult r = Split(MessagesBody(MessagesArray(
      {TextMessage("wamid.AT", "1", R"(,"s":")" + at_limit + "\""),
       TextMessage("wamid.OVER", "1", R"(,"s":")" + over + "\""), TextMessage("wamid.OK")})));
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].key, "msg:wamid.AT");
  EXPECT_EQ(r.items[1].key, "msg:wamid.OK");
  ASSERT_EQ(r.quarantined.size(), 1u);
  EXPECT_EQ(r.quarantined[0].path, std::string(kItemPath) + "[1]");
  EXPECT_NE(r.quarantined[0].detail.find("65536"), std::string::npos);
  // A long member name counts too.
  SplitResult long_name =
      Split(MessagesBody(MessagesArray({TextMessage("wamid.N", "1", ",\"" + over + "\":1")})));
  EXPECT_TRUE(long_name.items.empty());
  EXPECT_EQ(long_name.quarantined.size(), 1u);
}

TEST(SplitWebhookTest, KeyOver512BytesQuarantinesTheItem) {
  const std::string id_512 = std::string(512 - 4, 'i');  // "msg:" + 508 bytes
  const std::string id_513 = std::string(513 - 4, 'i');
  SplitResult r = Split(MessagesBody(MessagesArray({TextMessage(id_512), TextMessage(id_513)})));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key.size(), 512u);
  ASSERT_EQ(r.quarantined.size(), 1u);
  EXPECT_EQ(r.quarantined[0].path, std::string(kItemPath) + "[1]");
  EXPECT_NE(r.quarantined[0].detail.find("512"), std::string::npos);

  // A status key also counts its status: "st:" + id + ":" + status.
  SplitResult st = Split(MessagesBody(R"("statuses":[{"id":")" + std::string(500, 's') +
                                      R"(","status":"delivered"}])"));
  EXPECT_TRUE(st.items.empty());
  EXPECT_EQ(st.quarantined.at(0).path, "$.entry[0].changes[0].value.statuses[0]");
}

TEST(SplitWebhookTest, ItemWithoutAStringIdIsQuarantined) {
  SplitResult r = Split(MessagesBody(MessagesArray({
      R"({"from":"1","id":12345,"type":"text"})",
      R"({"from":"1","type":"text"})",
      R"({"from":"1","id":"","type":"text"})",
      R"("not an object")",
      TextMessage("wamid.OK"),
  })));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key, "msg:wamid.OK");
  ASSERT_EQ(r.quarantined.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.quarantined[i].path, std::string(kItemPath) + "[" + std::to_string(i) + "]");
  }
  EXPECT_EQ(r.quarantined[0].raw, R"({"from":"1","id":12345,"type":"text"})");
  EXPECT_EQ(r.quarantined[3].raw, R"("not an object")");
}

TEST(SplitWebhookTest, StatusNeedsAStringStatus) {
  SplitResult r = Split(
      MessagesBody(R"("statuses":[{"id":"wamid.1"},{"id":"wamid.2","status":7},{"status":"sent"},)"
                   R"({"id":"wamid.3","status":"read"}])"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key, "st:wamid.3:read");
  EXPECT_EQ(r.quarantined.size(), 3u);
}

TEST(SplitWebhookTest, WrongTypesQuarantineOnlyThatPiece) {
  SplitResult r =
      Split(R"({"entry":[)"
            R"(7,)"                                           // entry not an object
            R"({"id":"E1"},)"                                 // no changes
            R"({"id":"E2","changes":{"field":"messages"}},)"  // changes not an array
            R"({"id":"E3","changes":[)"
            R"("x",)"                              // change not an object
            R"({"value":{}},)"                     // no field
            R"({"field":"messages","value":[]},)"  // value not an object
            R"({"field":"messages"},)"             // no value
            R"({"field":"messages","value":{"messages":{"id":"m"},"statuses":"s"}},)"  // not arrays
            R"({"field":"messages","value":{"messages":[{"id":"wamid.OK"}]}})"
            R"(]}]})");
  EXPECT_FALSE(r.whole_body_quarantined);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].key, "msg:wamid.OK");
  std::vector<std::string> paths;
  for (const auto& q : r.quarantined) paths.push_back(q.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "$.entry[0]",
                       "$.entry[1]",
                       "$.entry[2]",
                       "$.entry[3].changes[0]",
                       "$.entry[3].changes[1]",
                       "$.entry[3].changes[2]",
                       "$.entry[3].changes[3]",
                       "$.entry[3].changes[4].value.messages",
                       "$.entry[3].changes[4].value.statuses",
                   }));
}

TEST(SplitWebhookTest, EventWithANulIsQuarantinedAsTheChange) {
  SplitResult r =
      Split(R"({"entry":[{"id":"E","changes":[{"field":"history","value":{"t":"\u0000"}},)"
            R"({"field":"history","value":{"t":"ok"}}]}]})");
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.quarantined.size(), 1u);
  EXPECT_EQ(r.quarantined[0].path, "$.entry[0].changes[0]");
}

// ----- What is stored -----

TEST(SplitWebhookTest, WholeBodyRawBytesAreCappedAt240KiB) {
  std::string body = "{\"entry\":[],\"pad\":\"" + std::string(300 * 1024, 'p') + "\xff\"}";
  SplitResult r = Split(body);
  ASSERT_TRUE(r.whole_body_quarantined);
  const domain::QuarantinedPayload& q = r.quarantined[0];
  EXPECT_EQ(q.raw.size(), 240u * 1024);
  EXPECT_EQ(q.raw, body.substr(0, 240 * 1024));
  EXPECT_EQ(q.size, body.size());
  EXPECT_EQ(q.sha256, Sha256Hex(body));
  EXPECT_TRUE(q.truncated);

  // Exactly at the cap nothing is cut.
  std::string exact = "[" + std::string(240 * 1024 - 2, ' ') + "]";
  SplitResult at_cap = Split(exact);
  ASSERT_TRUE(at_cap.whole_body_quarantined);
  EXPECT_FALSE(at_cap.quarantined[0].truncated);
  EXPECT_EQ(at_cap.quarantined[0].raw, exact);
}

TEST(SplitWebhookTest, ItemRawJsonIsCappedAt240KiB) {
  const std::string s(65537, 'y');
  std::string extra;
  for (int i = 0; i < 4; ++i) extra += ",\"s" + std::to_string(i) + "\":\"" + s + "\"";
  SplitResult r = Split(MessagesBody(MessagesArray({TextMessage("wamid.BIG", "1", extra)})));
  ASSERT_EQ(r.quarantined.size(), 1u);
  const domain::QuarantinedPayload& q = r.quarantined[0];
  EXPECT_TRUE(q.truncated);
  EXPECT_EQ(q.raw.size(), kMaxQuarantineRawBytes);
  EXPECT_GT(q.size, 4u * 65537);
  EXPECT_EQ(q.raw.substr(0, 12), "{\"from\":\"1\",");
}

}  // namespace
}  // namespace wagate::whatsapp
