// huoju/catalog/publish.hpp
//
// Publishing a checked catalog year into the store as an immutable version. The version keeps
// every file of the catalog directory (and the CSV code lists it names) verbatim, so the
// catalog that audited a filing can always be reloaded exactly. Publishing the same content
// again is a no-op that returns the existing version.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "huoju/catalog/model.hpp"
#include "huoju/core/status.hpp"
#include "huoju/store/database.hpp"

namespace huoju::catalog {

struct PublishedVersion {
  int64_t id = 0;
  int year = 0;
  int64_t version = 0;
  std::string content_hash;  ///< BLAKE2b-256 over the files (names and contents, in order)
  std::string title;
  int64_t published_at = 0;
  bool created = false;  ///< false when identical content was already published
};

/// Publishes `catalog`, loaded from `dir`, which the caller has checked clean (loader, rule
/// check and fixtures). Blocking (file and store I/O). The audit-log entry is written in the
/// same transaction.
Result<PublishedVersion> PublishCatalog(store::Database& db, const Catalog& catalog,
                                        const std::string& dir, int64_t actor_account_id,
                                        int64_t now_millis);

/// Published versions of `year` (0 = every year), newest first.
Result<std::vector<PublishedVersion>> ListPublished(store::Database& db, int year);

}  // namespace huoju::catalog
