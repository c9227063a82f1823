// An unreachable cluster reported with the address that failed: an error_code
// whose message is "connection refused to 127.0.0.1:9092" (see
// kwire::connection_error_category() in kwire/errors.hpp). Any thread; call it
// on failures only (it takes a lock and may allocate).
#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

namespace kwire::detail {

// `cause` is the connection error (a socket error such as connection refused,
// or kwire::net's connect_timed_out/resolve_failed...). Distinct (cause,
// address) pairs are kept for the process's life, so each needs a value of its
// own; past a few hundred of them the cause is returned as it is.
std::error_code connection_error(std::error_code cause, std::string_view host, std::uint16_t port);

}  // namespace kwire::detail
