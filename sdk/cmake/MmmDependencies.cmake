# Third-party packages the SDK headers and the core need (Debian 12 packages; see README).
include(CMakeFindDependencyMacro)
find_dependency(Poco COMPONENTS Foundation Net Util JSON)
find_dependency(spdlog)
find_dependency(yaml-cpp)
