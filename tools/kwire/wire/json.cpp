// JSON printing and parsing for the kwire tool (see json.hpp).
#include "json.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace kwire::tool {

const Json* Json::find(std::string_view key) const noexcept {
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

namespace {

void dump_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  bool document(Json& out, std::string* error) {
    bool ok = value(out) && (ws(), pos_ == t_.size());
    if (!ok && error) *error = "invalid JSON near byte " + std::to_string(pos_);
    return ok;
  }

 private:
  void ws() {
    while (pos_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    ws();
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (t_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  bool value(Json& out) {
    if (++depth_ > 64) return false;
    ws();
    bool ok = false;
    if (pos_ >= t_.size()) ok = false;
    else if (t_[pos_] == '{') ok = object(out);
    else if (t_[pos_] == '[') ok = array(out);
    else if (t_[pos_] == '"') {
      std::string s;
      ok = string(s);
      out = Json::string(std::move(s));
    } else if (word("null")) { out = Json(); ok = true; }
    else if (word("true")) { out = Json::boolean(true); ok = true; }
    else if (word("false")) { out = Json::boolean(false); ok = true; }
    else ok = number(out);
    --depth_;
    return ok;
  }
  bool object(Json& out) {
    ++pos_;
    out = Json::object();
    if (eat('}')) return true;
    do {
      std::string key;
      ws();
      if (!string(key) || !eat(':')) return false;
      Json v;
      if (!value(v)) return false;
      out.set(std::move(key), std::move(v));
    } while (eat(','));
    return eat('}');
  }
  bool array(Json& out) {
    ++pos_;
    out = Json::array();
    if (eat(']')) return true;
    do {
      Json v;
      if (!value(v)) return false;
      out.push(std::move(v));
    } while (eat(','));
    return eat(']');
  }
  bool string(std::string& s) {
    if (pos_ >= t_.size() || t_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < t_.size() && t_[pos_] != '"') {
      char c = t_[pos_++];
      if (c != '\\') {
        s += c;
        continue;
      }
      if (pos_ >= t_.size()) return false;
      char e = t_[pos_++];
      switch (e) {
        case 'n': s += '\n'; break;
        case 't': s += '\t'; break;
        case 'r': s += '\r'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'u': {
          if (pos_ + 4 > t_.size()) return false;
          unsigned long cp = std::strtoul(std::string(t_.substr(pos_, 4)).c_str(), nullptr, 16);
          pos_ += 4;
          if (cp < 0x80) s += static_cast<char>(cp);
          else if (cp < 0x800) {
            s += static_cast<char>(0xc0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3f));
          } else {
            s += static_cast<char>(0xe0 | (cp >> 12));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            s += static_cast<char>(0x80 | (cp & 0x3f));
          }
          break;
        }
        default: s += e;
      }
    }
    if (pos_ >= t_.size()) return false;
    ++pos_;
    return true;
  }
  bool number(Json& out) {
    std::size_t start = pos_;
    bool is_float = false;
    if (pos_ < t_.size() && t_[pos_] == '-') ++pos_;
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c))) ++pos_;
      else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { is_float = true; ++pos_; }
      else break;
    }
    std::string text(t_.substr(start, pos_ - start));
    if (text.empty() || text == "-") return false;
    char* end = nullptr;
    if (is_float) out = Json::number(std::strtod(text.c_str(), &end));
    else out = Json::integer(std::strtoll(text.c_str(), &end, 10));
    return end && *end == '\0';
  }

  std::string_view t_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

void Json::dump_to(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * d), ' ');
  };
  switch (type_) {
    case Type::null: out += "null"; break;
    case Type::boolean: out += b_ ? "true" : "false"; break;
    case Type::integer: out += std::to_string(i_); break;
    case Type::number: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d_);
      out += buf;
      break;
    }
    case Type::string: dump_string(out, s_); break;
    case Type::array:
      out += '[';
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i) out += ',';
        newline(depth + 1);
        items_[i].dump_to(out, indent, depth + 1);
      }
      if (!items_.empty()) newline(depth);
      out += ']';
      break;
    case Type::object:
      out += '{';
      for (std::size_t i = 0; i < members_.size(); ++i) {
        if (i) out += ',';
        newline(depth + 1);
        dump_string(out, members_[i].first);
        out += indent > 0 ? ": " : ":";
        members_[i].second.dump_to(out, indent, depth + 1);
      }
      if (!members_.empty()) newline(depth);
      out += '}';
      break;
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

bool Json::parse(std::string_view text, Json& out, std::string* error) {
  return Parser(text).document(out, error);
}

}  // namespace kwire::tool
