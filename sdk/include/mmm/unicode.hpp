// Unicode checks on text from the network that need the character database (utf8proc,
// which the SDK's CMake package links). The byte-level checks are in mmm/text.hpp.
#pragma once

#include <utf8proc.h>

#include <string_view>

namespace mmm {

/// True when `text` holds no visible character: only white space, controls, format
/// characters (zero-width, bidirectional controls…), combining marks alone, unassigned or
/// private-use code points, or other default-ignorable ones (Hangul fillers, the braille
/// blank…). The empty text is invisible. Names and titles that are must be refused (API.md,
/// "Hardening of Part 1"). Text that is not UTF-8 is not judged here: check it first.
inline bool isInvisible(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t at = 0;
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  while (at < size) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(bytes + at, size - at, &cp);
    if (n <= 0) return false;  // not UTF-8: checked elsewhere
    at += n;
    const utf8proc_property_t* property = utf8proc_get_property(cp);
    if (property->ignorable || cp == 0x2800) continue;  // default-ignorable; the braille blank
    switch (property->category) {
      case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
      case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CN: case UTF8PROC_CATEGORY_ZS:
      case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP: case UTF8PROC_CATEGORY_MN:
      case UTF8PROC_CATEGORY_ME:
        continue;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace mmm
