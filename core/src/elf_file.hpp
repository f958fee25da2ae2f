// A look at a shared library's ELF headers before dlopen: the loader maps the file and
// touches what its headers name, so a truncated file kills the process with SIGBUS instead
// of failing with an error.
#pragma once

#include <optional>
#include <string>

namespace mmm::core {

/// nullopt when `path` is a native 64-bit ELF shared object whose file covers every
/// program header, section header and loadable segment its headers name; otherwise what is
/// wrong with it (the caller names the file).
std::optional<std::string> elfLoadProblem(const std::string& path);

}  // namespace mmm::core
