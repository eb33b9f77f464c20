#include "wagate/config/tls_files.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

namespace wagate::config {

namespace {

// PEM files larger than this are not certificates or keys.
constexpr size_t kMaxPemBytes = 1024 * 1024;

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

// Holds file bytes and wipes them on destruction (they may be a private key).
class WipedBuffer {
 public:
  ~WipedBuffer() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

// Reads `path` into `out`; on failure returns the reason ("" on success).
std::string ReadSmallFile(const std::string& path, std::string* out) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return std::string("cannot open: ") + std::strerror(errno);
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0 && out->size() <= kMaxPemBytes) {
    out->append(buffer, n);
  }
  const int read_errno = std::ferror(file) != 0 ? errno : 0;
  OPENSSL_cleanse(buffer, sizeof buffer);
  std::fclose(file);
  if (read_errno != 0) return std::string("cannot read: ") + std::strerror(read_errno);
  if (out->size() > kMaxPemBytes) return "larger than 1 MiB, not a PEM file";
  return "";
}

// A passphrase callback that refuses: an encrypted key fails instead of prompting on a terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::optional<Timestamp> ToTimestamp(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return std::nullopt;
  return Timestamp(std::chrono::duration_cast<Millis>(std::chrono::seconds(timegm(&tm))));
}

std::string Subject(X509* cert) {
  std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
    return "";
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

}  // namespace

TlsFilesReport InspectTlsFiles(const std::string& cert_file, const std::string& key_file) {
  TlsFilesReport report;
  std::unique_ptr<X509, Free> cert;
  {
    std::string pem;
    if (std::string error = ReadSmallFile(cert_file, &pem); !error.empty()) {
      report.problems.push_back("TLS_CERT_FILE " + cert_file + ": " + error);
    } else {
      std::unique_ptr<BIO, Free> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
      cert.reset(PEM_read_bio_X509_AUX(bio.get(), nullptr, NoPassphrase, nullptr));
      if (!cert) report.problems.push_back("TLS_CERT_FILE " + cert_file + ": no PEM certificate");
    }
  }
  std::unique_ptr<EVP_PKEY, Free> key;
  {
    WipedBuffer pem;
    if (std::string error = ReadSmallFile(key_file, &pem.bytes()); !error.empty()) {
      report.problems.push_back("TLS_KEY_FILE " + key_file + ": " + error);
    } else {
      std::unique_ptr<BIO, Free> bio(
          BIO_new_mem_buf(pem.bytes().data(), static_cast<int>(pem.bytes().size())));
      key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
      if (!key) {
        report.problems.push_back("TLS_KEY_FILE " + key_file +
                                  ": no PEM private key (encrypted keys are not supported)");
      }
    }
  }
  if (cert) {
    report.subject = Subject(cert.get());
    report.not_after = ToTimestamp(X509_get0_notAfter(cert.get()));
  }
  if (cert && key && X509_check_private_key(cert.get(), key.get()) != 1) {
    report.problems.push_back("TLS_KEY_FILE " + key_file +
                              " does not match the certificate in TLS_CERT_FILE " + cert_file);
  }
  ERR_clear_error();  // nothing of these files stays in this thread's OpenSSL error queue
  return report;
}

}  // namespace wagate::config
