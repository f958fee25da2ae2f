# Third-party packages the SDK headers and the core need (Debian 12 packages; see README).
include(CMakeFindDependencyMacro)
find_package(PkgConfig REQUIRED)
# Debian's Poco::DataMySQL refers to a MySQL::client target that nothing defines.
if(NOT TARGET MySQL::client)
  pkg_check_modules(MMM_MARIADB REQUIRED IMPORTED_TARGET libmariadb)
  add_library(MySQL::client INTERFACE IMPORTED)
  target_link_libraries(MySQL::client INTERFACE PkgConfig::MMM_MARIADB)
endif()
# utf8proc: the Unicode character database behind mmm/unicode.hpp.
if(NOT TARGET PkgConfig::MMM_UTF8PROC)
  pkg_check_modules(MMM_UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
endif()
if(NOT TARGET PkgConfig::MMM_SODIUM)
  pkg_check_modules(MMM_SODIUM REQUIRED IMPORTED_TARGET libsodium)
endif()
find_dependency(Poco COMPONENTS Foundation Net Util JSON Data DataSQLite DataMySQL Redis)
find_dependency(cppzmq)
find_dependency(spdlog)
find_dependency(yaml-cpp)

# The build fingerprint (MMM_BUILD_KEY in mmm/abi.hpp) names the versions of the libraries
# whose types cross the plugin boundary. Those without a version macro get one here, from
# the package this build (host or plugin) actually found, on the targets the SDK links.
if(NOT DEFINED fmt_VERSION)
  find_package(fmt CONFIG QUIET)
endif()
get_property(MMM_YAML_DEFS TARGET yaml-cpp PROPERTY INTERFACE_COMPILE_DEFINITIONS)
if(NOT MMM_YAML_DEFS MATCHES "MMM_YAML_CPP_VERSION")
  set_property(TARGET yaml-cpp APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS
    "MMM_YAML_CPP_VERSION=\"${yaml-cpp_VERSION}\"")
  set_property(TARGET spdlog::spdlog APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS
    "MMM_FMT_VERSION=\"${fmt_VERSION}\"")
endif()
