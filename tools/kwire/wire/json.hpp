// A small JSON value with a parser and a printer, enough for the `kwire wire`
// conformance tool: integers stay exact (int64), object keys keep their order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kwire::tool {

class Json {
 public:
  enum class Type { null, boolean, integer, number, string, array, object };

  Json() = default;
  static Json boolean(bool b) { Json j; j.type_ = Type::boolean; j.b_ = b; return j; }
  static Json integer(std::int64_t i) { Json j; j.type_ = Type::integer; j.i_ = i; return j; }
  static Json number(double d) { Json j; j.type_ = Type::number; j.d_ = d; return j; }
  static Json string(std::string s) { Json j; j.type_ = Type::string; j.s_ = std::move(s); return j; }
  static Json array() { Json j; j.type_ = Type::array; return j; }
  static Json object() { Json j; j.type_ = Type::object; return j; }

  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::null; }
  bool as_bool() const noexcept { return b_; }
  std::int64_t as_int() const noexcept { return type_ == Type::number ? static_cast<std::int64_t>(d_) : i_; }
  double as_double() const noexcept { return type_ == Type::integer ? static_cast<double>(i_) : d_; }
  const std::string& as_string() const noexcept { return s_; }
  const std::vector<Json>& items() const noexcept { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const noexcept { return members_; }

  void push(Json v) { items_.push_back(std::move(v)); }
  void set(std::string key, Json v) { members_.emplace_back(std::move(key), std::move(v)); }
  // nullptr when absent.
  const Json* find(std::string_view key) const noexcept;

  std::string dump(int indent = 2) const;
  // Parses text; on error returns false and says where in *error.
  static bool parse(std::string_view text, Json& out, std::string* error);

 private:
  void dump_to(std::string& out, int indent, int depth) const;

  Type type_ = Type::null;
  bool b_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace kwire::tool
