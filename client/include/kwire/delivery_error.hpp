// A failed delivery report in one line that names what it concerns:
// "events-3: record not delivered within delivery.timeout.ms" (topic-partition),
// or "events: ..." when no partition was chosen yet (an error at send()).
// Any thread; allocates only for the returned string, so call it on failures.
#pragma once

#include <string>
#include <system_error>

#include "kwire/record.hpp"

namespace kwire {

std::string describe_delivery_error(std::error_code ec, const RecordMetadata& md);

}  // namespace kwire
