#include "wagate/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace wagate::http {

namespace {

// TLS 1.2 suites with forward secrecy and AEAD (TLS 1.3 suites are OpenSSL's defaults).
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// ALPN wire format: length-prefixed protocol names.
constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// Selects http/1.1 when the client offers it; otherwise the handshake goes on without ALPN (a
// client that offers only h2 then finds out from the HTTP/1.1 answer).
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
               unsigned int in_len, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kAlpnHttp11, sizeof kAlpnHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// An encrypted key fails to load instead of prompting on a terminal.
int NoPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_chain_file, const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return InternalError("cannot create a TLS context");
  // The asio context owns `ctx` from here on.
  auto context = std::make_unique<boost::asio::ssl::context>(ctx);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_ECDH_USE);
  SSL_CTX_set_default_passwd_cb(ctx, NoPassphrase);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  Status status = Status::Ok();
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    status = InternalError("the TLS 1.2 cipher list is not supported by this OpenSSL");
  } else if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file.c_str()) != 1) {
    status = InvalidArgumentError("TLS_CERT_FILE " + cert_chain_file +
                                  ": cannot load a PEM certificate chain");
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    status = InvalidArgumentError("TLS_KEY_FILE " + key_file + ": cannot load a PEM private key");
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    status =
        InvalidArgumentError("TLS_KEY_FILE " + key_file +
                             " does not match the certificate in TLS_CERT_FILE " + cert_chain_file);
  }
  ERR_clear_error();  // the reasons are summarised above; nothing else is reported
  if (!status.ok()) return status;
  return context;
}

}  // namespace wagate::http
