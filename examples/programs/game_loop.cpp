// A game loop: one event per frame, delivery reports fired on the loop's own
// thread by poll_events() (enable.manual.events.poll=true), never blocking a
// frame: a full buffer refuses the send (errc::queue_full) instead of waiting.
// Usage: game_loop [BOOTSTRAP] [TOPIC]
#include <kwire/errors.hpp>
#include <kwire/producer.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  const std::string bootstrap = argc > 1 ? argv[1] : "localhost:9092";
  const std::string topic = argc > 2 ? argv[2] : "frames";
  kwire::Producer producer(
      {{"bootstrap.servers", bootstrap}, {"enable.manual.events.poll", "true"}, {"linger.ms", "2"}});
  constexpr int kFrames = 120;
  int sent = 0, delivered = 0, dropped = 0;
  auto on_report = [&](std::error_code ec, const kwire::RecordMetadata&) {
    if (ec) ++dropped;
    else ++delivered;
  };
  for (int frame = 0; frame < kFrames; ++frame) {
    // ... simulate and render the frame ...
    const std::string event = "frame " + std::to_string(frame);
    std::error_code ec = producer.send(kwire::Record{.topic = topic, .value = kwire::as_bytes(event)}, on_report);
    if (ec == kwire::errc::queue_full) ++dropped;  // the buffer is full: skip, never stall the frame
    else if (!ec) ++sent;
    producer.poll_events();  // this frame's finished reports, without waiting
  }
  // Leaving the game: wait for the rest, still reporting on this thread.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (delivered + dropped < kFrames && std::chrono::steady_clock::now() < give_up)
    producer.poll_events(std::chrono::milliseconds(100));
  std::printf("frames %d, sent %d, delivered %d, dropped %d\n", kFrames, sent, delivered, dropped);
  return delivered == kFrames ? 0 : 1;
}
