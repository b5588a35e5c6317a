// huoju/core/config.hpp
//
// Server configuration from command-line flags and environment variables. Flags win over
// the environment, which wins over defaults. Every bad value is reported in one line that
// names the flag or variable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju {

struct Config {
  std::string data_dir = "./huoju-data";  ///< HUOJU_DATA_DIR / --data-dir
  std::string database_url;               ///< HUOJU_DATABASE_URL / --database-url
  std::string listen_host = "127.0.0.1";  ///< HUOJU_LISTEN / --listen (host:port)
  uint16_t listen_port = 8080;
  std::string web_root;                 ///< HUOJU_WEB_ROOT / --web-root (built SPA)
  std::string catalog_dir = "catalog";  ///< HUOJU_CATALOG_DIR / --catalog-dir (years)
  int io_threads = 2;                   ///< HUOJU_IO_THREADS / --io-threads
  /// Workers mostly wait on the store; more of them let SQLite group more commits together
  /// (bench/results/filing.md: 4 → 64 workers doubled saves/s).
  int worker_threads = 16;                    ///< HUOJU_WORKERS / --workers
  int max_queued = 1024;                      ///< requests waiting for a worker before 503
  std::string password_cost = "interactive";  ///< HUOJU_PASSWORD_COST: interactive | fast
  std::string log_format = "json";            ///< HUOJU_LOG_FORMAT: json | text

  /// The effective database URL: database_url, or SQLite in data_dir.
  std::string EffectiveDatabaseUrl() const;
};

/// Reads environment variables into `config`. `getenv` is injectable for tests.
Status ApplyEnvironment(Config& config, const std::function<const char*(const char*)>& getenv_fn);

/// Applies `--name value` / `--name=value` flags. Unknown flags are errors. `allowed` limits
/// which flag names this command takes (without dashes).
Status ApplyFlags(Config& config, const std::vector<std::string>& args,
                  const std::vector<std::string>& allowed);

}  // namespace huoju
