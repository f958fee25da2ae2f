// The binary contract between the host and a plugin: one plain descriptor behind one
// extern "C" symbol, checked by the host before any plugin code runs.
//
// The model, honestly: only the descriptor below is C. Everything else a plugin touches
// (Host, Request, Response, HttpError, services, and the Poco, yaml-cpp and spdlog objects
// they hand out) is C++, and exceptions cross the boundary in both directions. So a plugin
// runs only in a host built from the same SDK major version against the same C++ standard
// library ABI and the same third-party library versions: MMM_BUILD_KEY below names each of
// those, and the host refuses a plugin whose key differs, before running any of its code
// (nginx couples its modules to the exact build the same way). Build plugins with the SDK's
// CMake package (`find_package(mmm)`, `mmm_add_plugin`), which sets what the key needs.
#pragma once

#include <Poco/Version.h>
#include <spdlog/version.h>

#include <cstdint>

// Major: bump on any incompatible change: the layout of a struct or class in the SDK headers
// (Request, Response, HttpError, …), and any change at all to an interface that plugins
// implement (Plugin, and every service interface: a virtual appended there breaks plugins
// built before it). Minor: bump only when something the host implements grows at the end
// (a virtual appended to Host or Services, a new service interface, a new header), which
// older plugins never see. Neither for header-only helpers that no host interface takes or
// returns (JsonWriter, rfc3339, …): each plugin compiles its own copy, hidden in it.
#define MMM_ABI_MAJOR 5  // 5: ReportTarget::findFor; 4: ManagedChannels::describe (service interfaces plugins implement)
#define MMM_ABI_MINOR 1  // 5.1: Pusher::pushToAllBut. 5.0 holds all of 4.6. 4.6: Host::describe and schema, mmm/openapi.hpp; 4.5: Host::publicUrl; 4.4: SqlRow::isNull and real, mmm/geo.hpp, the ChannelAnnouncements service; 4.3: Host::onClientFrame, onPresence, online; 4.2: the UserNameDirectory service; 4.1: mmm/unicode.hpp, Server::hangUp (3.1: Store::query appended; 3.2: Host::route with a
                         // rate limit, Host::limiter, mmm/musicians.hpp; 3.3: Host::command,
                         // Sessions::handle and destroyHandle, the moderation services
                         // (mmm/moderation.hpp))

#if defined(__GNUC__)
#define MMM_EXPORT __attribute__((visibility("default")))
#else
#define MMM_EXPORT
#endif

#define MMM_STRINGIFY_(x) #x
#define MMM_STRINGIFY(x) MMM_STRINGIFY_(x)

// What breaks a C++ boundary: the standard library and its ABI mode and debug mode, the
// language level, and the versions of the libraries whose types cross it. The compiler's
// exact version does not (GCC and Clang share the Itanium ABI and libstdc++).
#if defined(_GLIBCXX_RELEASE)
#define MMM_BUILD_STDLIB "libstdc++" MMM_STRINGIFY(_GLIBCXX_RELEASE)
#elif defined(_LIBCPP_VERSION)
#define MMM_BUILD_STDLIB "libc++" MMM_STRINGIFY(_LIBCPP_VERSION)
#else
#define MMM_BUILD_STDLIB "stdlib?"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define MMM_BUILD_CXXABI "cxx11abi=" MMM_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define MMM_BUILD_CXXABI "cxx11abi=none"
#endif
#if defined(_GLIBCXX_DEBUG)
#define MMM_BUILD_STLDEBUG "stl-debug"
#else
#define MMM_BUILD_STLDEBUG "stl-release"
#endif
#if __cplusplus >= 202002L
#define MMM_BUILD_STD "c++20"
#elif __cplusplus >= 201703L
#define MMM_BUILD_STD "c++17"
#else
#define MMM_BUILD_STD "c++?"
#endif
#if defined(NDEBUG)
#define MMM_BUILD_NDEBUG "ndebug"
#else
#define MMM_BUILD_NDEBUG "debug"
#endif
#ifndef MMM_YAML_CPP_VERSION  // set by the SDK's CMake package from the yaml-cpp it found
#define MMM_YAML_CPP_VERSION "?"
#endif
#ifndef MMM_FMT_VERSION  // likewise, for the fmt that spdlog uses
#define MMM_FMT_VERSION "?"
#endif

// Everything that must match between host and plugin besides the ABI version itself.
#define MMM_BUILD_KEY                                                                              \
  MMM_BUILD_STDLIB ";" MMM_BUILD_CXXABI ";" MMM_BUILD_STLDEBUG ";" MMM_BUILD_STD                  \
  ";poco=" MMM_STRINGIFY(POCO_VERSION) ";yaml-cpp=" MMM_YAML_CPP_VERSION ";spdlog=" MMM_STRINGIFY( \
      SPDLOG_VER_MAJOR) "." MMM_STRINGIFY(SPDLOG_VER_MINOR) ";fmt=" MMM_FMT_VERSION ";" MMM_BUILD_NDEBUG

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
