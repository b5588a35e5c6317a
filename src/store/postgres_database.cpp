// PostgreSQL backend (placeholder until the libpq implementation lands).
#include "src/store/backends.hpp"

namespace huoju::store {

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& /*url*/,
                                               const OpenOptions& /*options*/) {
  return Status::Unavailable("PostgreSQL 后端尚未实现");
}

}  // namespace huoju::store
