// src/io/test_util.hpp
//
// Helpers for the io tests only: the repository root (to load catalog/2024), temporary files,
// and running poppler-utils (pdftotext, pdftoppm) when they are installed.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace huoju::io::test_util {

namespace fs = std::filesystem;

/// The repository root: the directory holding catalog/2024 above the working directory, the
/// test binary or this file (__FILE__ may be relative under ccache).
inline fs::path RepoRoot() {
  std::error_code ec;
  for (const fs::path& start : {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec),
                                fs::absolute(fs::path(__FILE__), ec)}) {
    for (fs::path p = start; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
      if (fs::exists(p / "catalog/2024/catalog.yaml")) {
        return p;
      }
    }
  }
  return fs::current_path(ec);
}

/// A fresh directory removed with everything in it when this goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "huoju-io-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) {
      path_ = tmpl;
    }
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Success when `text` contains `part`; the failure shows both.
inline ::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\"" << text.substr(0, 3000) << "\" does not contain \"" << part << "\"";
}

/// Keeps a copy of a produced file in $HUOJU_IO_TEST_OUT, when set, for looking at it.
inline void Keep(const std::string& name, const std::string& bytes) {
  const char* dir = std::getenv("HUOJU_IO_TEST_OUT");  // NOLINT(concurrency-mt-unsafe): tests
  if (dir != nullptr && *dir != '\0') {
    WriteFile(fs::path(dir) / name, bytes);
  }
}

/// True when `tool` is on PATH.
inline bool HaveTool(const std::string& tool) {
  std::string cmd = "command -v " + tool + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;  // NOLINT(cert-env33-c): test helper, fixed command
}

/// Standard output of a shell command (empty when it fails).
inline std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");  // NOLINT(cert-env33-c): test helper
  if (pipe == nullptr) {
    return out;
  }
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  int status = pclose(pipe);
  if (status != 0) {
    out.clear();
  }
  return out;
}

}  // namespace huoju::io::test_util
