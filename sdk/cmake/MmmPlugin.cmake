# mmm_add_plugin(<target> NAME <plugin-name> SOURCES <files…> [LIBRARIES <targets…>])
#
# Builds a plugin as a shared library named libmmm_<plugin-name>.so that mmm-server can load
# (found next to the executable, or by the `library:` path in the YAML). Only the entry
# symbol is exported: everything else is compiled with hidden visibility.
function(mmm_add_plugin target)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_NAME)
    message(FATAL_ERROR "mmm_add_plugin(${target}): NAME is required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE mmm::sdk ${ARG_LIBRARIES})
  target_compile_definitions(${target} PRIVATE MMM_PLUGIN_SHARED)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "mmm_${ARG_NAME}"
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined" "LINKER:--exclude-libs,ALL")
endfunction()
