#include "huoju/app/application.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "huoju/core/identifiers.hpp"
#include "huoju/org/code_list.hpp"

namespace huoju::app {

using identity::Action;
using identity::Authorize;
using identity::Principal;

Application::Application(std::unique_ptr<store::Database> db,
                         std::unique_ptr<identity::PasswordHasher> hasher,
                         std::unique_ptr<org::Directory> directory,
                         std::unique_ptr<CatalogRegistry> catalogs, const Clock& clock,
                         const std::string& jobs_dir)
    : db_(std::move(db)),
      hasher_(std::move(hasher)),
      directory_(std::move(directory)),
      catalogs_(std::move(catalogs)),
      clock_(clock) {
  sessions_ = std::make_unique<identity::SessionManager>(*db_, *hasher_, clock_);
  filings_ = std::make_unique<Filings>(*db_, *directory_, *catalogs_, clock_);
  summaries_ = std::make_unique<analytics::Summaries>(
      *db_, *directory_, [catalogs = catalogs_.get()](int year) -> const catalog::Catalog* {
        const CatalogYear* y = catalogs->Year(year);
        return y == nullptr ? nullptr : &y->catalog();
      });
  registrations_ = std::make_unique<Registrations>(*db_, *hasher_, *directory_, *filings_, clock_);
  unit_accounts_ = std::make_unique<UnitAccounts>(*db_, *hasher_, *sessions_, clock_);
  administration_ =
      std::make_unique<Administration>(*db_, *hasher_, *sessions_, *directory_, clock_);
  Jobs::Options job_options;
  job_options.dir = jobs_dir;
  jobs_ = std::make_unique<Jobs>(job_options, clock_);
  exports_ = std::make_unique<Exports>(*summaries_, *jobs_, clock_);
}

Application::~Application() {
  // Export jobs read the snapshots: stop them before anything they use goes away.
  exports_.reset();
  jobs_.reset();
}

Result<std::unique_ptr<Application>> Application::Open(const Config& config, const Clock& clock) {
  if (!identity::InitCrypto()) {
    return Status::Internal("无法初始化密码学库 libsodium");
  }
  store::OpenOptions options;
  options.connections = config.worker_threads + 2;
  HUOJU_ASSIGN_OR_RETURN(auto db, store::Database::Open(config.EffectiveDatabaseUrl(), options));
  HUOJU_RETURN_IF_ERROR(db->Migrate());
  auto cost = config.password_cost == "fast" ? identity::PasswordCost::Fast()
                                             : identity::PasswordCost::Interactive();
  // Each hash holds 64 MiB and a core for ~50 ms: leave one core to everything else, so a
  // login storm cannot stall reads (bench/RESULTS.md measures exactly that).
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  auto hasher = std::make_unique<identity::PasswordHasher>(cost, std::max(1, cores - 1));
  HUOJU_ASSIGN_OR_RETURN(auto directory, org::Directory::Load(*db));
  HUOJU_ASSIGN_OR_RETURN(auto catalogs, CatalogRegistry::Open(*db, config.catalog_dir, clock));
  return std::unique_ptr<Application>(
      new Application(std::move(db), std::move(hasher), std::move(directory), std::move(catalogs),
                      clock, (std::filesystem::path(config.data_dir) / "jobs").string()));
}

Result<Principal> Application::OperatorPrincipal() {
  Principal p;
  HUOJU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT id, scope_node_id, display_name, username "
                                              "FROM account WHERE role = 'center' AND status = "
                                              "'active' ORDER BY id LIMIT 1"));
    if (rows.empty()) {
      return Status::Invalid("数据库中没有火炬中心账号");
    }
    p.account_id = rows.Int(0, 0);
    p.display_name = rows.Text(0, 2);
    p.username = rows.Text(0, 3);
    HUOJU_ASSIGN_OR_RETURN(p.scope, org::OrgRepository::Get(s, rows.Int(0, 1)));
    return Status::Ok();
  }));
  p.role = identity::Role::kCenter;
  return p;
}

nlohmann::json PageJson(const org::NodePage& page, const org::Page& request) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& n : page.items) {
    items.push_back(n.ToJson());
  }
  return {{"items", std::move(items)},
          {"total", page.total},
          {"offset", request.offset},
          {"limit", request.limit}};
}

namespace {

const Status& OutOfScope() {
  static const Status kStatus = Status::NotFound("机构不存在或不在您的管辖范围内");
  return kStatus;
}

}  // namespace

Result<nlohmann::json> Application::OrgScope(const Principal& who) {
  return OrgNode(who, who.scope.id);
}

Result<nlohmann::json> Application::OrgNode(const Principal& who, int64_t id) {
  auto node = directory_->Get(id);
  if (!node) {
    return OutOfScope();
  }
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewOrg, &*node));
  return node->ToJson();
}

Result<nlohmann::json> Application::OrgChildren(const Principal& who, int64_t id,
                                                std::optional<org::NodeKind> kind, org::Page page) {
  auto node = directory_->Get(id);
  if (!node) {
    return OutOfScope();
  }
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewOrg, &*node));
  return PageJson(directory_->Children(id, kind, page), page);
}

Result<nlohmann::json> Application::OrgPath(const Principal& who, int64_t id) {
  auto node = directory_->Get(id);
  if (!node) {
    return OutOfScope();
  }
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewOrg, &*node));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& n : directory_->Lineage(id)) {
    if (who.scope.Contains(n)) {  // start at the caller's scope root
      items.push_back(n.ToJson());
    }
  }
  return nlohmann::json{{"items", std::move(items)}};
}

Result<nlohmann::json> Application::OrgSearch(const Principal& who, const std::string& query,
                                              std::optional<org::NodeKind> kind, org::Page page) {
  HUOJU_RETURN_IF_ERROR(Authorize(who, Action::kViewOrg, &who.scope));
  return PageJson(directory_->Search(who.scope, query, kind, page), page);
}

namespace {

// Checks the fields of a new node against the code lists and identifier rules.
Status ValidateNewNode(const org::NewNode& n, const org::OrgNode& parent) {
  if (n.name.empty()) {
    return Status::InvalidField("name", "名称不能为空");
  }
  if (n.kind == org::NodeKind::kCenter) {
    return Status::InvalidField("kind", "不能再创建火炬中心节点");
  }
  if (parent.kind == org::NodeKind::kUnit) {
    return Status::InvalidField("parent_id", "填报单位下不能再设下级机构");
  }
  if (n.kind == org::NodeKind::kUnit) {
    if (n.uscc.empty()) {
      return Status::InvalidField("uscc", "填报单位必须填写统一社会信用代码");
    }
    std::string problem = DescribeUsccProblem(n.uscc);
    if (!problem.empty()) {
      return Status::InvalidField("uscc", problem);
    }
    if (!n.industry_code.empty()) {
      const Code* c = org::Industries().Find(n.industry_code);
      if (c == nullptr || c->level != "xiao") {
        return Status::InvalidField("industry_code", "行业代码应为 GB/T 4754-2017 的4位小类代码");
      }
    }
  } else if (!n.uscc.empty()) {
    std::string problem = DescribeUsccProblem(n.uscc);
    if (!problem.empty()) {
      return Status::InvalidField("uscc", problem);
    }
  }
  if (!n.region_code.empty() && org::Regions().Find(n.region_code) == nullptr) {
    return Status::InvalidField("region_code", "行政区划代码不在 GB/T 2260 代码表中");
  }
  return Status::Ok();
}

}  // namespace

Result<nlohmann::json> Application::OrgCreate(const Principal& who, const org::NewNode& node,
                                              const identity::RequestOrigin& origin) {
  nlohmann::json out;
  org::OrgNode created_node;
  const int64_t now = clock_.NowMillis();
  HUOJU_RETURN_IF_ERROR(db_->Write([&](store::Session& s) -> Status {
    // The parent as it is while the node is added (not moved out of scope or closed meanwhile).
    HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
    auto parent = org::OrgRepository::Get(s, node.parent_id);
    if (!parent.ok()) {
      return Status::InvalidField("parent_id", "上级机构不存在或不在您的管辖范围内");
    }
    Status allowed = Authorize(who, Action::kCreateOrgNode, &*parent);
    if (allowed.code() == ErrorCode::kNotFound) {
      return Status::InvalidField("parent_id", "上级机构不存在或不在您的管辖范围内");
    }
    HUOJU_RETURN_IF_ERROR(allowed);
    if (parent->status != "active") {
      return Status::InvalidField("parent_id", "上级机构已关闭或已合并，不能在其下新建机构");
    }
    HUOJU_RETURN_IF_ERROR(ValidateNewNode(node, *parent));
    auto created = org::OrgRepository::Create(s, node, now);
    if (!created.ok()) {
      if (created.status().code() == ErrorCode::kConflict) {
        return Status(ErrorCode::kConflict, "该统一社会信用代码已被其他单位使用",
                      {{"field", "uscc"}});
      }
      return created.status();
    }
    store::AuditEntry e{who.account_id,
                        "org.create",
                        "org_node",
                        std::to_string(created->id),
                        created->id,
                        origin.client_address,
                        origin.request_id,
                        {{"name", created->name},
                         {"kind", org::NodeKindCode(created->kind)},
                         {"parent_id", created->parent_id}}};
    HUOJU_RETURN_IF_ERROR(s.AppendAudit(e, now));
    // A unit that joins during an open period gets its tasks at once, in the same commit.
    HUOJU_ASSIGN_OR_RETURN(int64_t tasks, filings_->AddTasksForNewNode(s, *created));
    out = created->ToJson();
    out["tasks_created"] = tasks;
    created_node = *created;
    return Status::Ok();
  }));
  // Only after the commit: the directory never shows what the store does not hold.
  directory_->Upsert(created_node);
  return out;
}

}  // namespace huoju::app
