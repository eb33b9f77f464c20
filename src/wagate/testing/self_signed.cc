#include "wagate/testing/self_signed.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

namespace wagate::testing {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::unique_ptr<EVP_PKEY, Free> MakeKey(SelfSignedOptions::KeyType type) {
  if (type == SelfSignedOptions::KeyType::kRsa) {
    return std::unique_ptr<EVP_PKEY, Free>(EVP_RSA_gen(2048));
  }
  return std::unique_ptr<EVP_PKEY, Free>(EVP_EC_gen("P-256"));
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

StatusOr<CertificateFiles> WriteSelfSignedCertificate(const std::string& dir,
                                                      const SelfSignedOptions& options) {
  std::unique_ptr<EVP_PKEY, Free> key = MakeKey(options.key_type);
  if (!key) return InternalError("key generation failed");
  std::unique_ptr<X509, Free> cert(X509_new());
  if (!cert) return InternalError("X509_new failed");
  X509_set_version(cert.get(), 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(options.not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(options.not_after.count()));
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1") ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign")) {
    return InternalError("certificate extensions failed");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return InternalError("X509_sign failed");

  CertificateFiles files{dir + "/" + options.cert_name, dir + "/" + options.key_name};
  {
    std::unique_ptr<std::FILE, Free> out(std::fopen(files.cert_file.c_str(), "wb"));
    if (!out || PEM_write_X509(out.get(), cert.get()) != 1) {
      return UnavailableError("cannot write " + files.cert_file);
    }
  }
  {
    std::unique_ptr<std::FILE, Free> out(std::fopen(files.key_file.c_str(), "wb"));
    const EVP_CIPHER* cipher = options.passphrase.empty() ? nullptr : EVP_aes_256_cbc();
    auto* pass = reinterpret_cast<const unsigned char*>(options.passphrase.data());
    if (!out ||
        PEM_write_PrivateKey(out.get(), key.get(), cipher, pass,
                             static_cast<int>(options.passphrase.size()), nullptr, nullptr) != 1) {
      return UnavailableError("cannot write " + files.key_file);
    }
  }
  return files;
}

}  // namespace wagate::testing
