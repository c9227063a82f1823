// Builds the client's OpenSSL context from TlsSettings, and prepares and
// diagnoses one connection's TLS handshake. Building a context reads files and
// may block: do it once, at client start, on the caller's thread; the context
// is then shared (read-only) by every connection on the io_context thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/ssl/context.hpp>

#include "kwire/net/tls/tls_error.hpp"
#include "kwire/net/tls/tls_settings.hpp"

namespace kwire::net {

struct TlsContextResult {
  std::shared_ptr<asio::ssl::context> context;  // null when error is set
  std::error_code error;                        // a tls_errc
  std::string detail;                           // which file and OpenSSL's reason; never a pass phrase
};

// TLS 1.2 or newer, peer verification against ssl.ca.location (or the system
// store), optional client certificate and key.
TlsContextResult make_tls_context(const TlsSettings& settings);

// On one connection's SSL object, before the handshake: SNI (for names, not
// IP literals) and the host-name (or IP) check, as the settings ask.
std::error_code prepare_tls_client(SSL* ssl, std::string_view host, const TlsSettings& settings);

// After a failed handshake: the precise reason (wrong CA, wrong host name,
// expired...) from the SSL object's verification result.
std::error_code classify_tls_failure(const SSL* ssl, std::error_code handshake_error) noexcept;
// The same as a sentence for logs and user-facing errors, naming the host.
std::string describe_tls_failure(const SSL* ssl, std::string_view host, std::error_code handshake_error);

}  // namespace kwire::net
