#include "huoju/catalog/publish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "huoju/core/hash.hpp"

namespace huoju::catalog {
namespace {

namespace fs = std::filesystem;

// Every file that makes up the catalog, by path relative to `dir` (CSV lists outside it keep
// their relative spelling, e.g. ../codes/gbt2260-regions.csv), sorted.
Result<std::vector<std::pair<std::string, std::string>>> CollectFiles(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  auto read = [&](const fs::path& path, const std::string& name) -> Status {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status::Invalid(fmt::format("无法读取目录文件 {}", name));
    }
    std::ostringstream text;
    text << in.rdbuf();
    files.emplace_back(name, text.str());
    return Status::Ok();
  };
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".yaml") {
      HUOJU_RETURN_IF_ERROR(read(it->path(), fs::relative(it->path(), dir).generic_string()));
    }
  }
  if (ec) {
    return Status::Invalid(fmt::format("无法读取目录 {}：{}", dir, ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<PublishedVersion> PublishCatalog(store::Database& db, const Catalog& catalog,
                                        const std::string& dir, int64_t actor_account_id,
                                        int64_t now_millis) {
  HUOJU_ASSIGN_OR_RETURN(auto files, CollectFiles(dir));
  // The CSV code lists named in catalog.yaml are part of the content too.
  for (const auto& [id, title] : catalog.code_list_titles) {
    const CodeList* list = catalog.FindCodeList(id);
    if (list == nullptr) {
      continue;
    }
    std::string csv = "code,name,level,parent\n";
    for (const auto& c : list->all()) {
      csv += c.code + "," + c.name + "," + c.level + "," + c.parent + "\n";
    }
    files.emplace_back("code_lists/" + id + ".csv", std::move(csv));
  }
  std::sort(files.begin(), files.end());
  std::string digest_input;
  nlohmann::json file_json = nlohmann::json::object();
  for (const auto& [name, text] : files) {
    digest_input += name + '\0' + std::to_string(text.size()) + '\0' + text;
    file_json[name] = text;
  }
  PublishedVersion v;
  v.year = catalog.year;
  v.title = catalog.title;
  v.content_hash = Blake2bHex(digest_input);
  v.published_at = now_millis;
  size_t indicators = 0;
  size_t rules = 0;
  for (const auto& f : catalog.forms) {
    indicators += f.indicators.size();
    rules += f.rules.size();
  }
  nlohmann::json summary = {{"forms", catalog.forms.size()},
                            {"indicators", indicators},
                            {"rules", rules},
                            {"files", files.size()}};
  auto publish = [&](store::Session& s) -> Status {
    v.created = false;
    HUOJU_ASSIGN_OR_RETURN(
        auto same, s.Query("SELECT id, version, published_at FROM catalog_version WHERE year = ? "
                           "AND content_hash = ?",
                           {static_cast<int64_t>(v.year), v.content_hash}));
    if (!same.empty()) {
      v.id = same.Int(0, 0);
      v.version = same.Int(0, 1);
      v.published_at = same.Int(0, 2);
      return Status::Ok();
    }
    HUOJU_ASSIGN_OR_RETURN(auto max, s.Query("SELECT COALESCE(MAX(version), 0) FROM "
                                             "catalog_version WHERE year = ?",
                                             {static_cast<int64_t>(v.year)}));
    v.version = max.Int(0, 0) + 1;
    HUOJU_ASSIGN_OR_RETURN(
        auto inserted,
        s.Query("INSERT INTO catalog_version (year, version, content_hash, title, files, summary, "
                "published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                {static_cast<int64_t>(v.year), v.version, v.content_hash, v.title, file_json.dump(),
                 summary.dump(), now_millis, actor_account_id}));
    v.id = inserted.Int(0, 0);
    v.created = true;
    store::AuditEntry e{actor_account_id,
                        "catalog.publish",
                        "catalog_version",
                        std::to_string(v.id),
                        0,
                        "",
                        "",
                        {{"year", v.year}, {"version", v.version}, {"hash", v.content_hash}}};
    return s.AppendAudit(e, now_millis);
  };
  // Two processes publishing at once (a server starting while `huoju catalog publish` runs, or
  // two servers on one PostgreSQL) may pick the same next version: the unique indexes refuse
  // the second, which then runs again and finds the first's version (same content) or the
  // next number.
  Status st = db.Write(publish);
  for (int attempt = 1; st.code() == ErrorCode::kConflict && attempt < 3; ++attempt) {
    st = db.Write(publish);
  }
  HUOJU_RETURN_IF_ERROR(st);
  return v;
}

Result<std::vector<PublishedVersion>> ListPublished(store::Database& db, int year) {
  std::vector<PublishedVersion> out;
  HUOJU_RETURN_IF_ERROR(db.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(
        auto rows, s.Query("SELECT id, year, version, content_hash, title, published_at FROM "
                           "catalog_version WHERE ? = 0 OR year = ? ORDER BY year DESC, "
                           "version DESC",
                           {static_cast<int64_t>(year), static_cast<int64_t>(year)}));
    for (size_t i = 0; i < rows.size(); ++i) {
      out.push_back({rows.Int(i, 0), static_cast<int>(rows.Int(i, 1)), rows.Int(i, 2),
                     rows.Text(i, 3), rows.Text(i, 4), rows.Int(i, 5), false});
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace huoju::catalog
