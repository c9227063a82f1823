// The functions the README's code blocks define (examples/readme/*.cpp), for
// the tests that run them. The blocks themselves include nothing of this, so
// the README shows them exactly as they are compiled.
#pragma once

#include <cstdint>
#include <string>

#include <kwire/record.hpp>

void produce(const std::string& bootstrap, const std::string& payload);
std::int64_t consume(const std::string& bootstrap, std::int64_t wanted);
std::int64_t consume_subscribed(const std::string& bootstrap, std::int64_t wanted);
std::int32_t produce_to_led_partition(const std::string& bootstrap, const std::string& key);
bool produce_in_transaction(const std::string& bootstrap, const kwire::Record& record, std::int64_t next_offset);
