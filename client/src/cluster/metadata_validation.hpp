// Checks a Metadata response before the cache adopts any of it. A broker
// that lists a partition index past its topic's partition list (2^31 - 1,
// say), a negative node id or leader epoch, or the same partition twice
// sends nothing a real cluster sends; adopting it could size tables from
// the peer's numbers. Such a response is refused whole: the cache keeps its
// view and the refresh fails with net_errc::malformed_frame.
#pragma once

#include <string>

#include "kwire/protocol/messages/metadata_response.hpp"

namespace kwire::detail {

// Empty if the response can be adopted; otherwise what is wrong with it.
std::string metadata_response_problem(const protocol::messages::MetadataResponse& response);

}  // namespace kwire::detail
