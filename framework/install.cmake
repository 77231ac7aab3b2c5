# Install and export: `cmake --install <build> --prefix <p>` produces a package that
# both `find_package(weft CONFIG)` (target weft::weft) and `pkg-config weft` find.
# Included at the end of framework/CMakeLists.txt, after every target exists.
#
# What is installed:
#   lib/libweft_{core,runtime,sync,net,http,conf}.a   exported as weft::{core,...,conf}
#   lib/libweft_llhttp.a                    exported as weft::llhttp: llhttp's C sources,
#                                           linked privately by weft_http (static, so a
#                                           consumer links it too); llhttp.h is not installed
#   weft::weft                              INTERFACE target aggregating them
#   include/weft/...                        public headers, without weft/testing
#   lib/cmake/weft/weftConfig.cmake (+ Version, Targets)
#   lib/pkgconfig/weft.pc
# Not installed: weft_testing (test support, links GoogleTest).
#
# The libraries are static, so their private dependencies are still needed when a
# program links them: liburing (runtime), spdlog (core), toml++ (conf; a shared
# library in Debian 12), fmt (public: core/log.hpp formats with it) and Threads.
# weftConfig.cmake finds each of them; weft.pc lists them under Requires. CLI11
# (conf, header-only) is link-only in the export and needs nothing in weft.pc.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WEFT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/weft CACHE STRING
    "Where weftConfig.cmake is installed, relative to the prefix")
mark_as_advanced(WEFT_INSTALL_CMAKEDIR)

set(WEFT_INSTALLED_LIBS weft_core weft_runtime weft_sync weft_net weft_llhttp weft_http weft_conf)

# std::expected is C++23: consumers of weft::weft must compile as C++23 as well. (In
# this build CMAKE_CXX_STANDARD already says so; this makes it a usage requirement.)
target_compile_features(weft INTERFACE cxx_std_23)

install(TARGETS ${WEFT_INSTALLED_LIBS} weft
        EXPORT weftTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/include/weft
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h"
        PATTERN "testing" EXCLUDE)

install(EXPORT weftTargets
        NAMESPACE weft::
        FILE weftTargets.cmake
        DESTINATION ${WEFT_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/cmake/weftConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/weftConfig.cmake
  INSTALL_DESTINATION ${WEFT_INSTALL_CMAKEDIR})

# 0.x: minor versions may break the API, so only the same minor version matches.
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/weftConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)

install(FILES ${CMAKE_CURRENT_BINARY_DIR}/weftConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/weftConfigVersion.cmake
        DESTINATION ${WEFT_INSTALL_CMAKEDIR})

# weft.pc finds its prefix from its own location (${pcfiledir}), so it stays right
# when `cmake --install --prefix` picks a prefix other than CMAKE_INSTALL_PREFIX.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(WEFT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(WEFT_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(WEFT_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _weft_pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" _weft_pc_up "${_weft_pc_up}")
  set(WEFT_PC_PREFIX "\${pcfiledir}/${_weft_pc_up}")
  set(WEFT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(WEFT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(WEFT_PC_LIBS "")
foreach(lib IN ITEMS weft_conf weft_http weft_llhttp weft_net weft_sync weft_runtime weft_core) # dependents first
  string(APPEND WEFT_PC_LIBS " -l${lib}")
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/cmake/weft.pc.in ${CMAKE_CURRENT_BINARY_DIR}/weft.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/weft.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
