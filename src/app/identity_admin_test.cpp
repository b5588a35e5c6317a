// Issue 7 end to end on a real store and demo data, with a manual clock: unit registration and
// its review in scope, sub-accounts and module grants enforced by Authorize, personal accounts
// linked by units, org editing with history (move re-paths filings), account management and
// the audit-log viewer.
#include <gtest/gtest.h>

#include <filesystem>

#include "huoju/app/application.hpp"
#include "huoju/app/demo_data.hpp"
#include "huoju/core/identifiers.hpp"
#include "huoju/identity/modules.hpp"
#include "huoju/rules/engine.hpp"

namespace huoju::app {
namespace {

namespace fs = std::filesystem;
using identity::Action;
using identity::Authorize;
using identity::Principal;
using nlohmann::json;

fs::path RepoRoot() {
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

// A valid USCC in Shenzhen Nanshan from a small number.
std::string Uscc(int n) {
  std::string body = "MA5F" + std::to_string(1000 + n);
  std::string first17 = "91440305" + body + *OrgCodeCheckChar(body);
  return first17 + *UsccCheckChar(first17);
}

constexpr const char* kPassword = "Lantern-River-42";

class IdentityAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("huoju-idadmin-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.data_dir = dir_.string();
    config_.catalog_dir = (RepoRoot() / "catalog").string();
    config_.password_cost = "fast";
    clock_.Set((static_cast<int64_t>(rules::DaysFromCivil(2025, 2, 10)) * 86400 + 4 * 3600) * 1000);
    {
      auto app = Application::Open(config_, clock_);
      ASSERT_TRUE(app.ok()) << app.status().ToString();
      DemoOptions demo;
      demo.units = 60;
      ASSERT_TRUE(GenerateDemoData((*app)->db(), (*app)->hasher(), clock_, demo).ok());
    }
    auto app = Application::Open(config_, clock_);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
    for (const char* name :
         {"unit_demo", "sz_zone_reviewer", "bj_reviewer", "gd_reviewer", "center", "admin"}) {
      who_[name] = Login(name, "Huoju@2024");
    }
    OpenPeriodRequest req{"GQ-002", "2024", std::nullopt, std::nullopt, std::nullopt};
    ASSERT_TRUE(app_->filings().OpenPeriod(who_["center"], req, {}).ok());
  }
  void TearDown() override {
    app_.reset();
    fs::remove_all(dir_);
  }

  Principal Login(const std::string& name, const std::string& password) {
    auto login = app_->sessions().Login(name, password, {});
    EXPECT_TRUE(login.ok()) << name << ": " << login.status().ToString();
    return login.ok() ? login->principal : Principal{};
  }
  UnitApplication Apply(int n) {
    UnitApplication a;
    a.uscc = Uscc(n);
    a.name = "深圳市注册测试" + std::to_string(n) + "科技有限公司";
    a.region_code = "440305";
    a.zone_id = who_["sz_zone_reviewer"].scope.id;
    a.contact_name = "张三";
    a.contact_phone = "13800138000";
    a.contact_email = "zhang@example.com";
    a.admin_username = "reg" + std::to_string(n);
    a.admin_password = kPassword;
    return a;
  }
  int64_t Count(const std::string& sql) {
    int64_t n = -1;
    EXPECT_TRUE(app_->db()
                    .Read([&](store::Session& s) -> Status {
                      HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query(sql));
                      n = rows.Int(0, 0);
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }
  identity::RequestOrigin From(const std::string& address) { return {address, "test", "r1"}; }
  Registrations& reg() { return app_->registrations(); }

  fs::path dir_;
  Config config_;
  ManualClock clock_{0};
  std::unique_ptr<app::Application> app_;
  std::map<std::string, Principal> who_;
};

TEST_F(IdentityAdminTest, BadApplicationsNameTheFieldAndStoreNothing) {
  const int64_t before = Count("SELECT COUNT(*) FROM registration");
  auto bad = [&](auto mutate, const std::string& field) {
    UnitApplication a = Apply(1);
    mutate(a);
    auto r = reg().SubmitUnit(a, From("10.0.0.1"));
    ASSERT_FALSE(r.ok()) << field;
    EXPECT_EQ(r.status().details().value("field", ""), field) << r.status().ToString();
  };
  bad([](UnitApplication& a) { a.uscc.back() = a.uscc.back() == '0' ? '1' : '0'; }, "uscc");
  bad([](UnitApplication& a) { a.name = "甲"; }, "name");
  bad([](UnitApplication& a) { a.region_code = "999999"; }, "region_code");
  bad([](UnitApplication& a) { a.zone_id = 1; }, "zone_id");
  bad([](UnitApplication& a) { a.contact_phone = "12345"; }, "contact_phone");
  bad([](UnitApplication& a) { a.contact_email = "x@"; }, "contact_email");
  bad([](UnitApplication& a) { a.admin_username = "Robert'); DROP TABLE account;--"; },
      "admin_username");
  bad([](UnitApplication& a) { a.admin_password = "password"; }, "admin_password");
  bad([](UnitApplication& a) { a.admin_username = "unit_demo"; }, "admin_username");
  UnitApplication dup = Apply(1);
  dup.uscc = app_->directory().Get(who_["unit_demo"].scope.id)->uscc;
  auto r = reg().SubmitUnit(dup, From("10.0.0.1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
  EXPECT_EQ(r.status().details().value("field", ""), "uscc");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM registration"), before);
}

TEST_F(IdentityAdminTest, RegistrationsAreRateLimitedPerAddress) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(reg().SubmitUnit(Apply(10 + i), From("10.0.0.2")).ok()) << i;
  }
  auto r = reg().SubmitUnit(Apply(30), From("10.0.0.2"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kRateLimited);
  EXPECT_TRUE(reg().SubmitUnit(Apply(31), From("10.0.0.3")).ok()) << "another address";
  clock_.Advance(61 * 60 * 1000);
  EXPECT_TRUE(reg().SubmitUnit(Apply(32), From("10.0.0.2")).ok()) << "after an hour";
}

TEST_F(IdentityAdminTest, ApprovalInScopeCreatesUnitAccountAndTasks) {
  auto submitted = reg().SubmitUnit(Apply(2), From("10.0.0.4"));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  const int64_t id = (*submitted)["id"];
  const std::string token = (*submitted)["status_token"];
  auto status = reg().StatusOf(id, token);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["status"], "pending");
  EXPECT_FALSE(status->contains("contact_phone"));
  EXPECT_EQ(reg().StatusOf(id, std::string(64, 'a')).status().code(), ErrorCode::kNotFound);
  // A second application for the same code waits for the first.
  EXPECT_EQ(reg().SubmitUnit(Apply(2), From("10.0.0.4")).status().code(), ErrorCode::kConflict);

  // Beijing neither sees nor decides it; Shenzhen's zone does.
  EXPECT_EQ((*reg().List(who_["bj_reviewer"], "pending", {0, 50}))["total"], 0);
  EXPECT_EQ(reg().Approve(who_["bj_reviewer"], id, {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(reg().Get(who_["unit_demo"], id).status().code(), ErrorCode::kForbidden);
  auto listed = reg().List(who_["sz_zone_reviewer"], "pending", {0, 50});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ((*listed)["total"], 1);
  EXPECT_EQ((*listed)["items"][0]["contact_phone"], "13800138000");

  auto approved = reg().Approve(who_["sz_zone_reviewer"], id, {});
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ((*approved)["registration"]["status"], "approved");
  EXPECT_GE((*approved)["tasks_created"], 1) << "GQ-002 2024 is open";
  const int64_t unit_id = (*approved)["unit"]["id"];
  EXPECT_TRUE(app_->directory().Get(unit_id).has_value());
  EXPECT_EQ(reg().Approve(who_["sz_zone_reviewer"], id, {}).status().code(), ErrorCode::kConflict);
  EXPECT_EQ((*reg().StatusOf(id, token))["status"], "approved");

  Principal admin = Login("reg2", kPassword);
  EXPECT_EQ(admin.scope.id, unit_id);
  EXPECT_TRUE(admin.IsUnitAdmin());
  EXPECT_EQ(admin.modules.size(), identity::Modules().size());
  EXPECT_TRUE(Authorize(admin, Action::kFillFiling, nullptr).ok());
}

TEST_F(IdentityAdminTest, RejectionNeedsAReasonAndIsFinal) {
  auto submitted = reg().SubmitUnit(Apply(3), From("10.0.0.5"));
  ASSERT_TRUE(submitted.ok());
  const int64_t id = (*submitted)["id"];
  EXPECT_EQ(reg().Reject(who_["gd_reviewer"], id, "", {}).status().details().value("field", ""),
            "reason");
  auto rejected = reg().Reject(who_["gd_reviewer"], id, "营业执照信息与名称不符", {});
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_EQ((*rejected)["status"], "rejected");
  EXPECT_EQ(reg().Approve(who_["gd_reviewer"], id, {}).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account WHERE username = 'reg3'"), 0);
  // The code is free again for a corrected application.
  EXPECT_TRUE(reg().SubmitUnit(Apply(3), From("10.0.0.5")).ok());
}

TEST_F(IdentityAdminTest, SubAccountsAreGrantedModulesAndDisabled) {
  Principal& unit = who_["unit_demo"];
  UnitAccounts& ua = app_->unit_accounts();
  auto created = ua.Create(unit, {"filler_a", "填报人甲", kPassword, {"contract"}}, {});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const int64_t id = (*created)["id"];
  EXPECT_EQ(ua.Create(unit, {"filler_b", "乙", kPassword, {"bogus"}}, {})
                .status()
                .details()
                .value("field", ""),
            "modules");
  EXPECT_EQ(
      ua.Create(unit, {"filler_b", "乙", "short", {}}, {}).status().details().value("field", ""),
      "password");

  Principal sub = Login("filler_a", kPassword);
  EXPECT_FALSE(sub.IsUnitAdmin());
  EXPECT_EQ(sub.modules, std::vector<std::string>{"contract"});
  EXPECT_EQ(Authorize(sub, Action::kFillFiling, nullptr).code(), ErrorCode::kForbidden);
  EXPECT_EQ(Authorize(sub, Action::kManageUnitAccounts, nullptr).code(), ErrorCode::kForbidden);
  EXPECT_EQ(ua.List(sub).status().code(), ErrorCode::kForbidden);

  ASSERT_TRUE(ua.SetModules(unit, id, {"survey", "contract"}, {}).ok());
  auto again =
      app_->sessions().Authenticate(app_->sessions().Login("filler_a", kPassword, {})->token);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(Authorize(**again, Action::kFillFiling, nullptr).ok());

  // Another unit's administrator cannot touch it (looks absent).
  auto other_id = Count(
      "SELECT MIN(a.id) FROM account a JOIN org_node n ON n.id = "
      "a.scope_node_id WHERE a.role = 'filler' AND a.username <> 'unit_demo' "
      "AND a.kind = 'primary'");
  if (other_id > 0) {
    auto other = app_->sessions().PrincipalOf(other_id);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(ua.SetEnabled(*other, id, false, {}).status().code(), ErrorCode::kNotFound);
  }

  auto login = app_->sessions().Login("filler_a", kPassword, {});
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(ua.SetEnabled(unit, id, false, {}).ok());
  EXPECT_FALSE(app_->sessions().Authenticate(login->token).ok()) << "sessions end";
  EXPECT_FALSE(app_->sessions().Login("filler_a", kPassword, {}).ok());
  ASSERT_TRUE(ua.SetEnabled(unit, id, true, {}).ok());
  EXPECT_TRUE(app_->sessions().Login("filler_a", kPassword, {}).ok());
}

TEST_F(IdentityAdminTest, PersonsReachWhatTheirUnitsGrant) {
  PersonApplication p{"zhang_wei",          "张伟",        kPassword,       "resident_id",
                      "11010519491231002X", "13900139000", "zw@example.com"};
  PersonApplication bad = p;
  bad.id_number = "110105194912310021";
  EXPECT_EQ(reg().SubmitPerson(bad, From("10.0.0.6")).status().details().value("field", ""),
            "id_number");
  bad = p;
  bad.id_type = "passport";
  bad.id_number = "e1234";
  EXPECT_EQ(reg().SubmitPerson(bad, From("10.0.0.6")).status().details().value("field", ""),
            "id_number");
  ASSERT_TRUE(reg().SubmitPerson(p, From("10.0.0.6")).ok());
  bad = p;
  bad.username = "zhang_wei2";
  EXPECT_EQ(reg().SubmitPerson(bad, From("10.0.0.6")).status().code(), ErrorCode::kConflict);

  Principal person = Login("zhang_wei", kPassword);
  EXPECT_EQ(person.role, identity::Role::kPerson);
  EXPECT_TRUE(person.modules.empty());
  EXPECT_EQ(Authorize(person, Action::kViewOrg, nullptr).code(), ErrorCode::kForbidden);
  const std::string uscc = app_->directory().Get(who_["unit_demo"].scope.id)->uscc;
  auto link = app_->unit_accounts().RequestLink(person, uscc, {});
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_EQ(app_->unit_accounts().RequestLink(person, uscc, {}).status().code(),
            ErrorCode::kConflict);
  const int64_t link_id = (*link)["id"];
  ASSERT_TRUE(
      app_->unit_accounts().GrantPerson(who_["unit_demo"], link_id, {"achievement"}, {}).ok());
  auto granted = app_->sessions().PrincipalOf(person.account_id);
  ASSERT_TRUE(granted.ok());
  EXPECT_EQ(granted->modules, std::vector<std::string>{"achievement"});
  ASSERT_EQ(granted->units.size(), 1U);
  EXPECT_EQ(granted->units[0].uscc, uscc);
  ASSERT_TRUE(app_->unit_accounts().WithdrawPerson(who_["unit_demo"], link_id, {}).ok());
  EXPECT_TRUE(app_->sessions().PrincipalOf(person.account_id)->units.empty());
}

TEST_F(IdentityAdminTest, MoveMergeCloseWithHistory) {
  Administration& adm = app_->administration();
  Principal& admin = who_["admin"];
  const int64_t unit = who_["unit_demo"].scope.id;
  // The Guangzhou zone, another zone in the same province.
  const auto gz =
      app_->directory().Search(who_["gd_reviewer"].scope, "广州", org::NodeKind::kZone, {0, 1});
  ASSERT_EQ(gz.items.size(), 1U);
  const int64_t target = gz.items[0].id;
  EXPECT_EQ(adm.MoveNode(admin, unit, target, "", {}).status().details().value("field", ""),
            "reason");
  EXPECT_EQ(adm.MoveNode(who_["gd_reviewer"], unit, target, "x", {}).status().code(),
            ErrorCode::kForbidden);
  EXPECT_EQ(adm.MoveNode(admin, who_["gd_reviewer"].scope.id, unit, "x", {})
                .status()
                .details()
                .value("field", ""),
            "parent_id");
  auto moved = adm.MoveNode(admin, unit, target, "企业迁址至广州", {});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  auto node = app_->directory().Get(unit);
  ASSERT_TRUE(node);
  EXPECT_EQ(node->parent_id, target);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM filing f JOIN org_node n ON n.id = f.unit_id WHERE "
                  "f.unit_path <> n.path"),
            0)
      << "filings follow the move";

  // Merge another unit into the demo unit; its account is disabled.
  const auto others =
      app_->directory().Search(admin.scope, "有限公司", org::NodeKind::kUnit, {0, 5});
  int64_t other = 0;
  for (const auto& n : others.items) {
    if (n.id != unit) {
      other = n.id;
      break;
    }
  }
  ASSERT_NE(other, 0);
  auto merged = adm.MergeUnit(admin, other, unit, "吸收合并", {});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ((*merged)["from"]["status"], "merged");
  EXPECT_EQ(adm.SetNodeClosed(admin, other, false, "恢复", {}).status().code(),
            ErrorCode::kConflict);

  ASSERT_TRUE(adm.SetNodeClosed(admin, unit, true, "注销", {}).ok());
  EXPECT_FALSE(app_->sessions().Login("unit_demo", "Huoju@2024", {}).ok());
  ASSERT_TRUE(adm.SetNodeClosed(admin, unit, false, "误操作恢复", {}).ok());

  auto history = adm.NodeHistory(admin, unit);
  ASSERT_TRUE(history.ok());
  std::vector<std::string> actions;
  for (const auto& h : (*history)["items"]) {
    actions.push_back(h["action"]);
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"org.reopen", "org.close", "org.merge_in", "org.move"}));
  EXPECT_EQ((*history)["items"][3]["reason"], "企业迁址至广州");
  EXPECT_EQ((*history)["items"][3]["after"]["parent_id"], target);
  EXPECT_EQ((*history)["items"][0]["actor"]["username"], "admin");
}

TEST_F(IdentityAdminTest, AccountManagementAndAuditLog) {
  Administration& adm = app_->administration();
  Principal& admin = who_["admin"];
  const int64_t gd = who_["gd_reviewer"].scope.id;
  NewAccountRequest a{"gd_reviewer2", "广东省审核员二", "reviewer", gd, kPassword};
  NewAccountRequest wrong = a;
  wrong.scope_node_id = who_["unit_demo"].scope.id;
  EXPECT_EQ(adm.CreateAccount(admin, wrong, {}).status().details().value("field", ""),
            "scope_node_id");
  auto created = adm.CreateAccount(admin, a, {});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ((*created)["must_change_password"], true);
  const int64_t id = (*created)["id"];
  Principal fresh = Login("gd_reviewer2", kPassword);
  EXPECT_EQ(Authorize(fresh, Action::kReviewFiling, nullptr).code(),
            ErrorCode::kPasswordChangeRequired);

  AccountChanges no;
  no.must_change_password = false;
  EXPECT_EQ(adm.UpdateAccount(admin, id, no, {}).status().details().value("field", ""),
            "must_change_password");
  AccountChanges self;
  self.status = "disabled";
  EXPECT_FALSE(adm.UpdateAccount(admin, admin.account_id, self, {}).ok());
  AccountChanges disable;
  disable.status = "disabled";
  ASSERT_TRUE(adm.UpdateAccount(admin, id, disable, {}).ok());
  EXPECT_FALSE(app_->sessions().Login("gd_reviewer2", kPassword, {}).ok());

  AccountQuery q;
  q.q = "审核员";
  q.role = "reviewer";
  auto list = adm.ListAccounts(admin, q);
  ASSERT_TRUE(list.ok());
  EXPECT_GE((*list)["total"], 5);
  q.q = "100%_";
  EXPECT_EQ((*adm.ListAccounts(admin, q))["total"], 0) << "LIKE characters match literally";
  EXPECT_EQ(adm.ListAccounts(who_["center"], {}).status().code(), ErrorCode::kForbidden);

  AuditQuery aq;
  aq.action = "account.";
  auto log = adm.AuditLog(admin, aq);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_GE((*log)["total"], 2);
  EXPECT_EQ((*log)["items"][0]["action"], "account.update");
  EXPECT_EQ((*log)["items"][0]["detail"]["before"]["status"], "active");
  EXPECT_EQ((*log)["items"][0]["detail"]["after"]["status"], "disabled");
  aq.user = who_["gd_reviewer"].account_id;
  EXPECT_EQ((*adm.AuditLog(admin, aq))["total"], 0);
  aq = {};
  aq.from_day = rules::DaysFromCivil(2025, 2, 11);
  EXPECT_EQ((*adm.AuditLog(admin, aq))["total"], 0) << "nothing happened after today";
  aq.from_day = rules::DaysFromCivil(2025, 2, 10);
  EXPECT_GT((*adm.AuditLog(admin, aq))["total"], 0);
  EXPECT_EQ(adm.AuditLog(admin, aq, 1).status().details().value("field", ""), "to") << "export cap";
}

}  // namespace
}  // namespace huoju::app
