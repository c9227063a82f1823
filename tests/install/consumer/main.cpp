// Uses installed headers and archives: encode a few primitives, read them back.
#include <kwire/protocol/wire/reader.hpp>
#include <kwire/protocol/wire/writer.hpp>

#include <cstdio>

int main() {
  kwire::protocol::Writer w;
  w.i32(7);
  w.compact_string("kwire");
  w.varlong(-300);
  kwire::protocol::Reader r(w.owned());
  bool good = r.i32() == 7 && r.compact_string() == "kwire" && r.varlong() == -300 && r.ok();
  std::puts(good ? "kwire install ok" : "kwire install broken");
  return good ? 0 : 1;
}
