#include "wagate/ingest/ingest_service.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>

namespace wagate::ingest {
namespace {

// Records what reaches the store and answers with a scripted result.
class FakeAdmitter : public ports::Admitter {
 public:
  void Admit(ports::AdmitRequest request, Callback done) override {
    requests.push_back(request);
    if (!fail_with.ok()) {
      done(fail_with);
      return;
    }
    ports::AdmitResult r;
    for (const auto& item : request.items) {
      bool seen = !keys.insert(item.key).second;
      r.outcomes.push_back(seen ? ports::AdmitOutcome::kDuplicate : ports::AdmitOutcome::kAccepted);
    }
    r.quarantined = static_cast<int>(request.quarantined.size());
    done(r);
  }
  std::vector<ports::AdmitRequest> requests;
  std::set<std::string> keys;
  Status fail_with;
};

constexpr std::string_view kBody =
    R"({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"2"},"messages":[{"from":"3","id":"wamid.X","timestamp":"1","type":"text","text":{"body":"hi"}}]}}]}]})";

StatusOr<IngestCounts> IngestOnce(IngestService& s, std::string_view body, std::string_view sig) {
  std::optional<StatusOr<IngestCounts>> out;
  s.Ingest(body, sig, [&](StatusOr<IngestCounts> r) { out.emplace(std::move(r)); });
  EXPECT_TRUE(out.has_value()) << "the fake admitter answers synchronously";
  return out.value_or(InternalError("no answer"));
}

TEST(IngestServiceTest, SignedBodyIsAdmittedAndCounted) {
  whatsapp::SignatureVerifier verifier({"s3cret"});
  FakeAdmitter admitter;
  IngestService service(verifier, admitter);
  StatusOr<IngestCounts> first = IngestOnce(service, kBody, whatsapp::SignatureHeader("s3cret", kBody));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->accepted, 1);
  EXPECT_EQ(first->duplicates, 0);
  ASSERT_EQ(admitter.requests.size(), 1u);
  EXPECT_EQ(admitter.requests[0].items[0].key, "msg:wamid.X");
  StatusOr<IngestCounts> again = IngestOnce(service, kBody, whatsapp::SignatureHeader("s3cret", kBody));
  EXPECT_EQ(again->duplicates, 1);
}

TEST(IngestServiceTest, WrongOrMissingSignatureStoresNothing) {
  whatsapp::SignatureVerifier verifier({"s3cret"});
  FakeAdmitter admitter;
  IngestService service(verifier, admitter);
  EXPECT_EQ(IngestOnce(service, kBody, whatsapp::SignatureHeader("other", kBody)).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(IngestOnce(service, kBody, "").status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(admitter.requests.empty());
}

TEST(IngestServiceTest, AuthenticMalformedBodyIsQuarantinedWhole) {
  whatsapp::SignatureVerifier verifier({"s3cret"});
  FakeAdmitter admitter;
  IngestService service(verifier, admitter);
  std::string body = R"({"entry":{}})";
  StatusOr<IngestCounts> r = IngestOnce(service, body, whatsapp::SignatureHeader("s3cret", body));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->quarantined, 1);
  EXPECT_EQ(r->accepted, 0);
  ASSERT_EQ(admitter.requests.size(), 1u);
  EXPECT_EQ(admitter.requests[0].quarantined[0].path, "$");
  EXPECT_EQ(admitter.requests[0].quarantined[0].reason, "invalid_payload");
}

TEST(IngestServiceTest, WithoutASecretMalformedBodyIsRejected) {
  whatsapp::SignatureVerifier verifier({});
  FakeAdmitter admitter;
  IngestService service(verifier, admitter);
  StatusOr<IngestCounts> r = IngestOnce(service, "not json", "");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(admitter.requests.empty());
  EXPECT_TRUE(IngestOnce(service, kBody, "").ok()) << "unsigned bodies are accepted without a secret";
}

TEST(IngestServiceTest, StoreFailureIsUnavailable) {
  whatsapp::SignatureVerifier verifier({"s3cret"});
  FakeAdmitter admitter;
  admitter.fail_with = UnavailableError("disk on fire");
  IngestService service(verifier, admitter);
  EXPECT_EQ(IngestOnce(service, kBody, whatsapp::SignatureHeader("s3cret", kBody)).status().code(),
            StatusCode::kUnavailable);
}

TEST(IngestServiceTest, EmptyEntryListNeedsNoStore) {
  whatsapp::SignatureVerifier verifier({"s3cret"});
  FakeAdmitter admitter;
  IngestService service(verifier, admitter);
  std::string body = R"({"object":"whatsapp_business_account","entry":[]})";
  StatusOr<IngestCounts> r = IngestOnce(service, body, whatsapp::SignatureHeader("s3cret", body));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted + r->duplicates + r->quarantined, 0);
  EXPECT_TRUE(admitter.requests.empty());
}

}  // namespace
}  // namespace wagate::ingest
