// kwire_sink_broker: a fast, forgetful Kafka broker for benchmarks, so the
// broker is never the bottleneck when kwire and librdkafka are compared. It
// answers ApiVersions, Metadata, InitProducerId and Produce (counting records,
// handing out increasing offsets, storing nothing), sets TCP_NODELAY, and can
// delay Produce responses. Prints its bootstrap list on stdout, runs until
// SIGINT/SIGTERM, then prints what it received on stderr.
//   kwire_sink_broker [-n BROKERS] [-P PARTITIONS] [--delay-us US] [--host 127.0.0.1]
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sink_server.hpp"
#include "sink_state.hpp"

namespace {

int usage(const char* why) {
  std::fprintf(stderr,
               "kwire_sink_broker: %s\nUsage: kwire_sink_broker [-n BROKERS] [-P PARTITIONS] [--delay-us US] "
               "[--host IPV4]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 1, partitions = 1;
  long delay_us = 0;
  std::string host = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage(("option " + a + " needs a value").c_str());
    const char* v = argv[++i];
    if (a == "-n") brokers = std::atoi(v);
    else if (a == "-P") partitions = std::atoi(v);
    else if (a == "--delay-us") delay_us = std::atol(v);
    else if (a == "--host") host = v;
    else return usage(("unknown option " + a).c_str());
  }
  if (brokers < 1 || brokers > 64 || partitions < 1 || partitions > 100000 || delay_us < 0)
    return usage("bad value");

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::vector<std::int32_t> ports;
  std::string error;
  auto listeners = kwire::bench::bind_listeners(host, brokers, ports, error);
  if (listeners.empty()) {
    std::fprintf(stderr, "kwire_sink_broker: %s\n", error.c_str());
    return 1;
  }
  std::vector<kwire::bench::SinkBroker> list;
  std::string bootstrap;
  for (int i = 0; i < brokers; ++i) {
    list.push_back({i + 1, host, ports[static_cast<std::size_t>(i)]});
    bootstrap += (i ? "," : "") + host + ":" + std::to_string(ports[static_cast<std::size_t>(i)]);
  }
  // Lives until _Exit below: connection threads hold references to it.
  auto* state = new kwire::bench::SinkState(std::move(list), partitions, std::chrono::microseconds(delay_us));
  kwire::bench::serve_forever(listeners, *state);
  std::printf("%s\n", bootstrap.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  std::fprintf(stderr, "kwire_sink_broker: %llu produce requests, %llu records, %llu batch bytes\n",
               static_cast<unsigned long long>(state->produce_requests.load()),
               static_cast<unsigned long long>(state->records_appended.load()),
               static_cast<unsigned long long>(state->bytes_appended.load()));
  std::fflush(stderr);
  // Connection threads may still be blocked in read(): leave without unwinding.
  std::_Exit(0);
}
