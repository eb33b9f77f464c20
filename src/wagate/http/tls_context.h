// The server's TLS configuration: an OpenSSL context made from a PEM certificate chain and key.
//
// MakeServerTlsContext loads TLS_CERT_FILE (the server certificate first, then intermediates)
// and TLS_KEY_FILE (unencrypted PEM) and fixes the protocol policy: TLS 1.2 or newer, forward-
// secret AEAD ciphers for TLS 1.2 in the server's order of preference, no renegotiation, no
// compression, and ALPN `http/1.1` when the client offers it. Errors name the file, never its
// contents.
//
// Thread safety: the returned context is shared by every I/O thread; OpenSSL makes creating
// connections from one context safe. It is not changed after creation.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

#include "wagate/base/status.h"

namespace wagate::http {

StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_chain_file, const std::string& key_file);

}  // namespace wagate::http
