// README.md shows every C++ block verbatim from a file under examples/ that
// the build compiles: each ```cpp block follows a line
// "<!-- file: examples/readme/NAME.cpp -->" and equals that file byte for
// byte, and every file of examples/readme/ is shown. A snippet edited in one
// place only fails here.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::filesystem::path source_dir = KWIRE_SOURCE_DIR;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Block {
  std::string file;  // from the marker line; empty when there is none
  std::string text;  // the lines between the fences, each ending in '\n'
  int line = 0;      // of the opening fence
};

std::vector<Block> cpp_blocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::istringstream in(markdown);
  std::string line, previous;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line != "```cpp") {
      if (!line.empty()) previous = line;
      continue;
    }
    Block b;
    b.line = n;
    const std::string open = "<!-- file: ", close = " -->";
    if (previous.starts_with(open) && previous.ends_with(close))
      b.file = previous.substr(open.size(), previous.size() - open.size() - close.size());
    while (std::getline(in, line) && line != "```") {
      ++n;
      b.text += line + '\n';
    }
    ++n;
    blocks.push_back(std::move(b));
    previous.clear();
  }
  return blocks;
}

}  // namespace

TEST_CASE("README block parser finds the marker and the text", "[readme]") {
  auto blocks = cpp_blocks("x\n<!-- file: a.cpp -->\n```cpp\nint a;\n\nint b;\n```\n```cpp\nc\n```\n");
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].file == "a.cpp");
  CHECK(blocks[0].text == "int a;\n\nint b;\n");
  CHECK(blocks[1].file.empty());
}

TEST_CASE("every C++ block of the README is a compiled file, verbatim", "[readme]") {
  auto blocks = cpp_blocks(slurp(source_dir / "README.md"));
  REQUIRE_FALSE(blocks.empty());
  std::set<std::string> shown;
  for (const Block& b : blocks) {
    INFO("README.md line " << b.line << " (" << b.file << ")");
    REQUIRE_FALSE(b.file.empty());  // the line before the fence must name the file
    CHECK(b.text == slurp(source_dir / b.file));
    shown.insert(b.file);
  }
  for (const auto& entry : std::filesystem::directory_iterator(source_dir / "examples" / "readme")) {
    if (entry.path().extension() != ".cpp") continue;
    const std::string rel = "examples/readme/" + entry.path().filename().string();
    INFO(rel << " is compiled as a README block but the README does not show it");
    CHECK(shown.count(rel) == 1);
  }
}
