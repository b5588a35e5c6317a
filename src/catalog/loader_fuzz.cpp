// libFuzzer target for the catalog loader and rule checker: any form file must load or give
// positioned problems, never a crash, hang or sanitizer report. Not part of the normal build
// (`_fuzz.cpp`); scripts/fuzz builds and runs it with clang.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "huoju/catalog/loader.hpp"
#include "huoju/rules/check.hpp"

namespace {

// A minimal valid catalog year in a temporary directory; each input becomes one form file.
const std::filesystem::path& Dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() /
             ("huoju-loader-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "forms");
    std::filesystem::create_directories(d / "codes");
    std::ofstream(d / "catalog.yaml")
        << "year: 2024\ntitle: 模糊测试\nregimes:\n"
           "  - {id: gq, name: 制度, approval: 无, organizer: 中心}\n";
    std::ofstream(d / "codes/yn.yaml")
        << "id: yn\ntitle: 是否\ncodes:\n"
           "  - {code: \"1\", name: 是}\n  - {code: \"2\", name: 否}\n";
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(Dir() / "forms/FZ-01.yaml", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  huoju::catalog::LoadResult r = huoju::catalog::LoadCatalog(Dir().string());
  if (r.catalog != nullptr) {
    auto problems = huoju::rules::CheckCatalogRules(*r.catalog);
    (void)problems;
  }
  return 0;
}
