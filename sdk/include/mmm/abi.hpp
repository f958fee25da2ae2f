// The binary contract between the host and a plugin: one plain descriptor behind one
// extern "C" symbol, checked by the host before any plugin code runs.
#pragma once

#include <Poco/Version.h>

#include <cstdint>

// Major: bump on any incompatible change, including a change to the layout of a struct
// or class in the SDK headers (Request, Response, HttpError, …). Minor: bump when the SDK
// only grows (virtual functions appended to an interface, new services, new headers).
#define MMM_ABI_MAJOR 2
#define MMM_ABI_MINOR 0

#if defined(__GNUC__)
#define MMM_EXPORT __attribute__((visibility("default")))
#else
#define MMM_EXPORT
#endif

#define MMM_STRINGIFY_(x) #x
#define MMM_STRINGIFY(x) MMM_STRINGIFY_(x)

#if defined(__clang__)
#define MMM_BUILD_COMPILER "clang-" __clang_version__
#elif defined(__GNUC__)
#define MMM_BUILD_COMPILER "gcc-" __VERSION__
#else
#define MMM_BUILD_COMPILER "unknown"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define MMM_BUILD_CXXABI "cxx11abi=" MMM_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define MMM_BUILD_CXXABI "cxx11abi=none"
#endif

#if defined(NDEBUG)
#define MMM_BUILD_NDEBUG "ndebug"
#else
#define MMM_BUILD_NDEBUG "debug"
#endif

// Everything that must match between host and plugin besides the ABI version itself.
#define MMM_BUILD_KEY \
  MMM_BUILD_COMPILER ";" MMM_BUILD_CXXABI ";poco=" MMM_STRINGIFY(POCO_VERSION) ";" MMM_BUILD_NDEBUG

namespace mmm {
class Plugin;
}

extern "C" {

/// What a plugin's entry symbol returns. The first two fields never move, so that any
/// future host can read them; fields are only ever added at the end (`size` tells, and
/// the host reads a newer field only when `size` covers it).
struct mmm_plugin_descriptor {
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  std::uint32_t size;      // sizeof(mmm_plugin_descriptor) as the plugin saw it
  const char* build_key;   // MMM_BUILD_KEY as the plugin was compiled
  const char* name;        // unique plugin name, e.g. "users"
  const char* version;     // the plugin's own version, e.g. "1.2.0"
  const char* requires_;   // comma-separated plugin names that must be enabled, or ""
  const char* optional;    // comma-separated plugin names used when present, or ""
  mmm::Plugin* (*create)(void);         // never throws; nullptr on failure
  void (*destroy)(mmm::Plugin* plugin); // never throws
};

typedef const mmm_plugin_descriptor* (*mmm_plugin_entry_fn)(void);
}

/// The symbol every plugin shared library exports (and nothing else).
#define MMM_PLUGIN_ENTRY_SYMBOL "mmm_plugin_entry"

#if defined(MMM_PLUGIN_SHARED)
#define MMM_PLUGIN_ENTRY_NAME_(ID) mmm_plugin_entry
#define MMM_PLUGIN_ENTRY_ATTR_ MMM_EXPORT
#else
#define MMM_PLUGIN_ENTRY_NAME_(ID) mmm_plugin_entry_##ID
#define MMM_PLUGIN_ENTRY_ATTR_
#endif

/// Defines a plugin's entry. ID is the plugin name (an identifier), CLASS derives from
/// mmm::Plugin and is default-constructible; REQUIRES and OPTIONAL are comma-separated
/// plugin names ("" for none). Built with MMM_PLUGIN_SHARED (mmm_add_plugin sets it) the
/// entry is the exported `mmm_plugin_entry`; otherwise it is `mmm_plugin_entry_ID`, for
/// static registration with MMM_DECLARE_STATIC_PLUGIN and mmm::Server::add.
#define MMM_PLUGIN(ID, CLASS, VERSION, REQUIRES, OPTIONAL)                                      \
  extern "C" MMM_PLUGIN_ENTRY_ATTR_ const ::mmm_plugin_descriptor* MMM_PLUGIN_ENTRY_NAME_(ID)( \
      void) {                                                                                   \
    static const ::mmm_plugin_descriptor descriptor = {                                        \
        MMM_ABI_MAJOR,                                                                          \
        MMM_ABI_MINOR,                                                                          \
        static_cast<std::uint32_t>(sizeof(::mmm_plugin_descriptor)),                            \
        MMM_BUILD_KEY,                                                                          \
        MMM_STRINGIFY(ID),                                                                      \
        VERSION,                                                                                \
        REQUIRES,                                                                               \
        OPTIONAL,                                                                               \
        []() noexcept -> ::mmm::Plugin* {                                                       \
          try {                                                                                 \
            return new CLASS();                                                                 \
          } catch (...) {                                                                       \
            return nullptr;                                                                     \
          }                                                                                     \
        },                                                                                      \
        [](::mmm::Plugin* plugin) noexcept { delete plugin; }};                                 \
    return &descriptor;                                                                         \
  }

/// Declares a statically linked plugin's entry so that an embedding program can pass
/// `mmm_plugin_entry_ID()` to mmm::Server::add.
#define MMM_DECLARE_STATIC_PLUGIN(ID) \
  extern "C" const ::mmm_plugin_descriptor* mmm_plugin_entry_##ID(void)
