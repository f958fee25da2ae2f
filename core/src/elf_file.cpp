#include "elf_file.hpp"

#include <elf.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace mmm::core {
namespace {

// True when [offset, offset + count * size) lies inside a file of `fileSize` bytes.
bool fits(std::uint64_t offset, std::uint64_t count, std::uint64_t size, std::uint64_t fileSize) {
  if (count != 0 && size > UINT64_MAX / count) return false;
  const std::uint64_t length = count * size;
  return offset <= fileSize && length <= fileSize - offset;
}

}  // namespace

std::optional<std::string> elfLoadProblem(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::string("cannot open it: ") + std::strerror(errno);
  const std::uint64_t fileSize = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  Elf64_Ehdr header{};
  if (fileSize < sizeof header || !in.read(reinterpret_cast<char*>(&header), sizeof header))
    return "not an ELF shared library (" + std::to_string(fileSize) + " bytes, too short)";
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF shared library";
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB)
    return "an ELF file for another kind of machine (not 64-bit little-endian)";
  if (header.e_type != ET_DYN) return "an ELF file that is not a shared library";
  const std::string truncated = "truncated or damaged (" + std::to_string(fileSize) + " bytes, but its ";
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !fits(header.e_phoff, header.e_phnum, header.e_phentsize, fileSize))
    return truncated + "program headers end past that)";
  if (header.e_shoff != 0 && !fits(header.e_shoff, header.e_shnum, header.e_shentsize, fileSize))
    return truncated + "section headers end past that)";
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  if (!in.read(reinterpret_cast<char*>(segments.data()),
               static_cast<std::streamsize>(segments.size() * sizeof(Elf64_Phdr))))
    return truncated + "program headers cannot be read)";
  for (const auto& segment : segments)
    if (segment.p_type == PT_LOAD && !fits(segment.p_offset, 1, segment.p_filesz, fileSize))
      return truncated + "loadable segments end past that)";
  return std::nullopt;
}

}  // namespace mmm::core
