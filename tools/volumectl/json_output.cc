#include "json_output.h"

#include <fmt/format.h>

namespace volumectl {

std::string JsonText(const Json& doc) {
  return doc.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

void PrintJson(const Json& doc) { fmt::print("{}\n", JsonText(doc)); }

bool IsUtf8(std::string_view bytes) {
  try {
    (void)Json(std::string(bytes)).dump();  // the strict handler throws on invalid UTF-8
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

void PutName(Json& object, const std::string& key, const std::string& bytes) {
  object[key] = bytes;
  if (IsUtf8(bytes)) return;
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) hex += fmt::format("{:02x}", c);
  object[key + "_hex"] = hex;
}

}  // namespace volumectl
