// kcat-style record formatting (see record_format.hpp).
#include "cli/record_format.hpp"

namespace kwire::tool {

using kwire::protocol::as_string;

RecordFormat RecordFormat::parse(std::string_view format, std::string& error) {
  RecordFormat f;
  for (std::size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == '\\' && i + 1 < format.size()) {
      char n = format[++i];
      f.format_ += n == 'n' ? '\n' : n == 't' ? '\t' : n == '0' ? '\0' : n;
      continue;
    }
    if (c == '%') {
      if (i + 1 >= format.size()) {
        error = "format ends with a lone %";
        return f;
      }
      char n = format[i + 1];
      if (std::string_view("skSKtpoTh%").find(n) == std::string_view::npos) {
        error = std::string("unknown format field %") + n + " (known: %s %k %S %K %t %p %o %T %h %%)";
        return f;
      }
      f.format_ += '%';
      f.format_ += n;
      ++i;
      continue;
    }
    f.format_ += c;
  }
  return f;
}

void RecordFormat::format(std::string& out, const kwire::ConsumerRecord& r) const {
  for (std::size_t i = 0; i < format_.size(); ++i) {
    char c = format_[i];
    if (c != '%' || i + 1 >= format_.size()) {
      out += c;
      continue;
    }
    switch (format_[++i]) {
      case 's': if (r.value) out += as_string(*r.value); break;
      case 'k': if (r.key) out += as_string(*r.key); break;
      case 'S': out += r.value ? std::to_string(r.value->size()) : "-1"; break;
      case 'K': out += r.key ? std::to_string(r.key->size()) : "-1"; break;
      case 't': out += r.topic; break;
      case 'p': out += std::to_string(r.partition); break;
      case 'o': out += std::to_string(r.offset); break;
      case 'T': out += std::to_string(r.timestamp_ms); break;
      case 'h': {
        bool first = true;
        for (const auto& h : r.headers) {
          if (!first) out += ',';
          first = false;
          out += h.key;
          out += '=';
          if (h.value) out += as_string(*h.value);
        }
        break;
      }
      default: out += '%'; break;
    }
  }
}

}  // namespace kwire::tool
