// volumectl's --json output: each command builds one document as a Json value (nlohmann's
// ordered_json, so keys stay in the order written) and prints it with PrintJson, one
// compact document per line, so scripts get one stable format.
//
// Strings are UTF-8 (RFC 8259). File names, symlink targets and the other names the
// server returns are bytes, which need not be UTF-8. The policy for those: a string that
// is valid UTF-8 is written as it is; one that is not is written with each byte that
// does not belong to a valid UTF-8 sequence replaced by U+FFFD, so the output is always
// valid JSON, and where the exact name matters (a file name, a link target) the entry
// also carries the raw bytes in hex ("name_hex", "target_hex") — present only when the
// name is not UTF-8 — so a script can still name the file.
//
// Thread-safety: free functions; Json values are not synchronised.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace volumectl {

using Json = nlohmann::ordered_json;

// The document as one line of valid JSON (invalid UTF-8 replaced, as above).
std::string JsonText(const Json& doc);
// Writes JsonText(doc) and a newline to stdout.
void PrintJson(const Json& doc);

bool IsUtf8(std::string_view bytes);
// Sets object[key] = bytes, and object[key + "_hex"] = the bytes in lowercase hex when
// they are not UTF-8.
void PutName(Json& object, const std::string& key, const std::string& bytes);

}  // namespace volumectl
