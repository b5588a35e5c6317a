#include "huoju/app/demo_data.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "huoju/core/identifiers.hpp"
#include "huoju/identity/accounts.hpp"
#include "huoju/org/code_list.hpp"
#include "huoju/org/org_node.hpp"

namespace huoju::app {
namespace {

using org::NodeKind;

struct Node {
  int64_t id;
  int64_t parent_id;
  NodeKind kind;
  std::string name;
  std::string code;
  std::string uscc;
  std::string region_code;
  int64_t zone_id = 0;
  std::string industry_code;
  std::string unit_type;
  std::string path;
  int64_t depth;
  int64_t child_count = 0;
};

// A unit's statistics contact, derived from its id so that demo data stays deterministic.
std::string ContactName(int64_t id) {
  static constexpr std::array<const char*, 16> kSurnames = {"王", "李", "张", "刘", "陈", "杨",
                                                            "黄", "赵", "吴", "周", "徐", "孙",
                                                            "马", "朱", "胡", "郭"};
  static constexpr std::array<const char*, 16> kGiven = {"伟", "芳", "娜", "敏", "静", "丽",
                                                         "强", "磊", "军", "洋", "勇", "艳",
                                                         "杰", "娟", "涛", "明"};
  const auto k = static_cast<uint64_t>(id);
  return std::string(kSurnames[k % kSurnames.size()]) + kGiven[(k / 16) % kGiven.size()] +
         kGiven[(k / 256 + 3) % kGiven.size()];
}

std::string ContactPhone(int64_t id) {
  const uint64_t k = static_cast<uint64_t>(id) * 2654435761U % 100000000U;
  return fmt::format("13{}{:08}", 5 + id % 5, k);
}

// Well-known zones first (by the GB/T 2260 code of their city), so demo data reads like the
// real tree; the rest of the 178 are spread over other cities.
constexpr std::array<std::pair<const char*, const char*>, 28> kKnownZones = {{
    {"110100", "中关村科技园区"},
    {"120100", "天津滨海高新技术产业开发区"},
    {"310100", "上海张江高新技术产业开发区"},
    {"440300", "深圳市高新技术产业园区"},
    {"440100", "广州高新技术产业开发区"},
    {"420100", "武汉东湖新技术开发区"},
    {"610100", "西安高新技术产业开发区"},
    {"510100", "成都高新技术产业开发区"},
    {"330100", "杭州高新技术产业开发区"},
    {"320500", "苏州工业园区"},
    {"320100", "南京高新技术产业开发区"},
    {"340100", "合肥高新技术产业开发区"},
    {"430100", "长沙高新技术产业开发区"},
    {"500100", "重庆高新技术产业开发区"},
    {"370100", "济南高新技术产业开发区"},
    {"370200", "青岛高新技术产业开发区"},
    {"210100", "沈阳高新技术产业开发区"},
    {"210200", "大连高新技术产业园区"},
    {"230100", "哈尔滨高新技术产业开发区"},
    {"220100", "长春高新技术产业开发区"},
    {"410100", "郑州高新技术产业开发区"},
    {"350100", "福州高新技术产业开发区"},
    {"350200", "厦门火炬高技术产业开发区"},
    {"441900", "东莞松山湖高新技术产业开发区"},
    {"440600", "佛山高新技术产业开发区"},
    {"440400", "珠海高新技术产业开发区"},
    {"330200", "宁波高新技术产业开发区"},
    {"320200", "无锡高新技术产业开发区"},
}};

constexpr int kZoneCount = 178;

constexpr std::array<const char*, 40> kNameChars = {
    "华", "创", "智", "联", "信", "达", "科", "瑞", "博", "通", "安", "泰", "恒", "新",
    "源", "兴", "中", "天", "海", "星", "光", "汇", "立", "德", "和", "优", "睿", "微",
    "云", "芯", "宏", "远", "拓", "凯", "航", "晟", "鼎", "驰", "维", "易"};

const char* SuffixFor(char section, uint64_t r) {
  static constexpr std::array<const char*, 8> kMake = {"精密制造", "新材料", "电子", "生物医药",
                                                       "智能装备", "光电",   "化工", "汽车部件"};
  static constexpr std::array<const char*, 5> kInfo = {"信息技术", "软件", "网络科技", "数据科技",
                                                       "智能科技"};
  static constexpr std::array<const char*, 5> kTech = {"检测技术", "技术服务", "工程设计",
                                                       "环境科技", "生物技术"};
  static constexpr std::array<const char*, 4> kOther = {"科技", "实业", "能源", "农业科技"};
  switch (section) {
    case 'C':
      return kMake[r % kMake.size()];
    case 'I':
      return kInfo[r % kInfo.size()];
    case 'M':
      return kTech[r % kTech.size()];
    default:
      return kOther[r % kOther.size()];
  }
}

std::string ShortCityName(const std::string& name) {
  for (std::string_view suffix : {"市", "地区", "自治州", "盟"}) {
    if (name.size() > suffix.size() + 3 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return name.substr(0, name.size() - suffix.size());
    }
  }
  return name;
}

class Generator {
 public:
  Generator(const DemoOptions& options) : options_(options), rng_(options.seed) {}

  void Build() {
    const auto& regions = org::Regions();
    Add(0, NodeKind::kCenter, "工业和信息化部火炬高技术产业开发中心", "", "");
    std::map<std::string, int64_t> city_by_code;
    for (const Code* prov : regions.OfLevel("province")) {
      int64_t pid = Add(1, NodeKind::kProvince, prov->name, prov->code, prov->code);
      ++provinces_;
      province_ids_.push_back(pid);
      for (const Code* city : regions.Children(prov->code)) {
        std::string name = city->name;
        if (name == "市辖区") {
          name = prov->name;
        } else if (name == "县") {
          name = prov->name + "（县）";
        }
        int64_t cid = Add(pid, NodeKind::kCity, name, city->code, city->code);
        city_by_code[city->code] = cid;
        cities_.push_back(cid);
        ++city_count_;
        std::vector<std::string> counties;
        for (const Code* county : regions.Children(city->code)) {
          counties.push_back(county->code);
        }
        if (counties.empty()) {
          counties.push_back(city->code);
        }
        counties_of_city_[cid] = std::move(counties);
      }
      Add(pid, NodeKind::kRegistry, prov->name + "技术市场管理办公室", "", prov->code);
      ++registries_;
    }

    std::set<int64_t> cities_with_zone;
    for (const auto& [code, name] : kKnownZones) {
      auto it = city_by_code.find(code);
      if (it != city_by_code.end()) {
        AddZone(it->second, name);
        cities_with_zone.insert(it->second);
      }
    }
    // Every province gets a zone in its first real city, then the rest at random.
    for (int64_t pid : province_ids_) {
      bool has = false;
      for (int64_t z : zones_) {
        has = has || nodes_[nodes_[z - 1].parent_id - 1].parent_id == pid;
      }
      if (has) {
        continue;
      }
      for (int64_t cid : cities_) {
        if (nodes_[cid - 1].parent_id == pid && IsRealCity(cid) && !cities_with_zone.count(cid)) {
          AddZone(cid, ShortCityName(nodes_[cid - 1].name) + "高新技术产业开发区");
          cities_with_zone.insert(cid);
          break;
        }
      }
    }
    std::vector<int64_t> candidates;
    for (int64_t cid : cities_) {
      if (IsRealCity(cid) && !cities_with_zone.count(cid)) {
        candidates.push_back(cid);
      }
    }
    std::shuffle(candidates.begin(), candidates.end(), rng_);
    for (size_t i = 0; static_cast<int>(zones_.size()) < kZoneCount && i < candidates.size(); ++i) {
      AddZone(candidates[i], ShortCityName(nodes_[candidates[i] - 1].name) + "高新技术产业开发区");
    }

    BuildIndustryPools();
    for (int64_t u = 0; u < options_.units; ++u) {
      AddUnit(u);
    }
  }

  std::vector<Node>& nodes() { return nodes_; }
  int64_t ZoneNamed(const std::string& name) const {
    for (int64_t z : zones_) {
      if (nodes_[z - 1].name == name) {
        return z;
      }
    }
    return 0;
  }
  int64_t NodeWithCode(NodeKind kind, const std::string& code) const {
    for (const Node& n : nodes_) {
      if (n.kind == kind && n.code == code) {
        return n.id;
      }
    }
    return 0;
  }
  int64_t RegistryOf(int64_t province_id) const {
    for (const Node& n : nodes_) {
      if (n.kind == NodeKind::kRegistry && n.parent_id == province_id) {
        return n.id;
      }
    }
    return 0;
  }
  int64_t FirstUnitIn(int64_t zone_id) const {
    for (const Node& n : nodes_) {
      if (n.kind == NodeKind::kUnit && n.parent_id == zone_id) {
        return n.id;
      }
    }
    return 0;
  }

  DemoSummary Summary() const {
    DemoSummary s;
    s.nodes = static_cast<int64_t>(nodes_.size());
    s.provinces = provinces_;
    s.cities = city_count_;
    s.zones = static_cast<int64_t>(zones_.size());
    s.registries = registries_;
    s.units = options_.units;
    return s;
  }

 private:
  bool IsRealCity(int64_t cid) const {
    const std::string& code = nodes_[cid - 1].code;
    return code.size() == 6 && code.substr(2, 2) != "90" &&
           nodes_[cid - 1].name.find("（县）") == std::string::npos;
  }

  uint64_t Next() { return rng_(); }

  int64_t Add(int64_t parent, NodeKind kind, std::string name, std::string code,
              std::string region) {
    Node n;
    n.id = static_cast<int64_t>(nodes_.size()) + 1;
    n.parent_id = parent;
    n.kind = kind;
    n.name = std::move(name);
    n.code = std::move(code);
    n.region_code = std::move(region);
    if (parent == 0) {
      n.path = "/" + std::to_string(n.id) + "/";
      n.depth = 0;
    } else {
      Node& p = nodes_[parent - 1];
      n.path = p.path + std::to_string(n.id) + "/";
      n.depth = p.depth + 1;
      ++p.child_count;
    }
    nodes_.push_back(std::move(n));
    return static_cast<int64_t>(nodes_.size());
  }

  void AddZone(int64_t city_id, const std::string& name) {
    int64_t zid = Add(city_id, NodeKind::kZone, name, fmt::format("GX{:03}", zones_.size() + 1),
                      nodes_[city_id - 1].code);
    zones_.push_back(zid);
  }

  void BuildIndustryPools() {
    for (const Code* c : org::Industries().OfLevel("xiao")) {
      // 小类 → 大类 → 门类 letter
      const Code* zhong = org::Industries().Find(c->parent);
      const Code* da = zhong ? org::Industries().Find(zhong->parent) : nullptr;
      char section = da && !da->parent.empty() ? da->parent[0] : 'Z';
      pools_[section == 'C'   ? 0
             : section == 'I' ? 1
             : section == 'M' ? 2
                              : 3]
          .push_back({c->code, section});
    }
  }

  std::string NewUscc(const std::string& region) {
    static constexpr std::string_view kBody = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (;;) {
      std::string body;
      for (int i = 0; i < 8; ++i) {
        body.push_back(kBody[Next() % kBody.size()]);
      }
      auto org_check = OrgCodeCheckChar(body);
      if (!org_check || kBody.find(*org_check) == std::string_view::npos) {
        continue;
      }
      std::string first17 = "91" + region + body + *org_check;
      auto check = UsccCheckChar(first17);
      if (!check) {
        continue;
      }
      std::string code = first17 + *check;
      if (usccs_.insert(code).second) {
        return code;
      }
    }
  }

  void AddUnit(int64_t ordinal) {
    // The first unit sits in the Shenzhen zone so that the demo filler account has a home.
    int64_t parent;
    int64_t zone = 0;
    if (ordinal == 0 && ZoneNamed("深圳市高新技术产业园区") != 0) {
      zone = ZoneNamed("深圳市高新技术产业园区");
      parent = zone;
    } else if (Next() % 100 < 85) {
      zone = zones_[Next() % zones_.size()];
      parent = zone;
    } else {
      parent = cities_[Next() % cities_.size()];
    }
    int64_t city = zone != 0 ? nodes_[zone - 1].parent_id : parent;
    const auto& counties = counties_of_city_[city];
    std::string region = counties[Next() % counties.size()];

    uint64_t pick = Next() % 100;
    int pool = pick < 55 ? 0 : pick < 75 ? 1 : pick < 90 ? 2 : 3;
    const auto& industries = pools_[pool];
    const auto& [industry, section] = industries[Next() % industries.size()];

    std::string city_short = ShortCityName(nodes_[city - 1].name);
    std::string name;
    for (int attempt = 0;; ++attempt) {
      name = city_short + kNameChars[Next() % kNameChars.size()] +
             kNameChars[Next() % kNameChars.size()] + SuffixFor(section, Next()) + "有限公司";
      if (attempt > 8) {
        name = city_short + kNameChars[Next() % kNameChars.size()] +
               kNameChars[Next() % kNameChars.size()] + std::to_string(ordinal) +
               SuffixFor(section, Next()) + "有限公司";
      }
      if (names_.insert(name).second) {
        break;
      }
    }
    uint64_t type_pick = Next() % 100;
    int64_t id = Add(parent, NodeKind::kUnit, name, "", region);
    Node& n = nodes_[id - 1];
    n.uscc = NewUscc(region);
    n.zone_id = zone;
    n.industry_code = industry;
    n.unit_type = type_pick < 95 ? "enterprise" : type_pick < 98 ? "incubator" : "institution";
  }

  DemoOptions options_;
  std::mt19937_64 rng_;
  std::vector<Node> nodes_;
  std::vector<int64_t> province_ids_;
  std::vector<int64_t> cities_;
  std::vector<int64_t> zones_;
  std::unordered_map<int64_t, std::vector<std::string>> counties_of_city_;
  std::array<std::vector<std::pair<std::string, char>>, 4> pools_;
  std::set<std::string> usccs_;
  std::set<std::string> names_;
  int64_t provinces_ = 0;
  int64_t city_count_ = 0;
  int64_t registries_ = 0;
};

store::Value NullIfEmpty(const std::string& s) {
  return s.empty() ? store::Value(nullptr) : store::Value(s);
}

}  // namespace

Result<DemoSummary> GenerateDemoData(store::Database& db, identity::PasswordHasher& hasher,
                                     const Clock& clock, const DemoOptions& options) {
  if (options.units < 0 || options.units > 2'000'000) {
    return Status::InvalidField("units", "单位数量应在 0 到 2000000 之间");
  }
  int64_t existing = 0;
  HUOJU_RETURN_IF_ERROR(db.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(existing, org::OrgRepository::Count(s));
    return Status::Ok();
  }));
  if (existing != 0) {
    return Status::Invalid(
        fmt::format("数据库中已有 {} 个机构，演示数据只能写入空数据库", existing));
  }

  Generator gen(options);
  gen.Build();
  auto& nodes = gen.nodes();
  const int64_t now = clock.NowMillis();

  constexpr size_t kChunk = 5000;
  for (size_t start = 0; start < nodes.size(); start += kChunk) {
    size_t end = std::min(nodes.size(), start + kChunk);
    HUOJU_RETURN_IF_ERROR(db.Write([&](store::Session& s) -> Status {
      for (size_t i = start; i < end; ++i) {
        const Node& n = nodes[i];
        HUOJU_RETURN_IF_ERROR(
            s.Execute("INSERT INTO org_node (id, parent_id, kind, name, code, uscc, region_code, "
                      "zone_id, industry_code, unit_type, path, depth, child_count, created_at, "
                      "updated_at, contact_name, contact_phone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {n.id, n.parent_id == 0 ? store::Value(nullptr) : store::Value(n.parent_id),
                       std::string(org::NodeKindCode(n.kind)), n.name, NullIfEmpty(n.code),
                       NullIfEmpty(n.uscc), NullIfEmpty(n.region_code),
                       n.zone_id == 0 ? store::Value(nullptr) : store::Value(n.zone_id),
                       NullIfEmpty(n.industry_code), NullIfEmpty(n.unit_type), n.path, n.depth,
                       n.child_count, now, now,
                       n.kind == NodeKind::kUnit ? store::Value(ContactName(n.id))
                                                 : store::Value(nullptr),
                       n.kind == NodeKind::kUnit ? store::Value(ContactPhone(n.id))
                                                 : store::Value(nullptr)})
                .status());
      }
      return Status::Ok();
    }));
  }

  DemoSummary summary = gen.Summary();
  const int64_t center = 1;
  const int64_t guangdong = gen.NodeWithCode(NodeKind::kProvince, "440000");
  const int64_t beijing = gen.NodeWithCode(NodeKind::kProvince, "110000");
  const int64_t shenzhen_city = gen.NodeWithCode(NodeKind::kCity, "440300");
  const int64_t shenzhen_zone = gen.ZoneNamed("深圳市高新技术产业园区");
  struct Spec {
    const char* username;
    const char* display;
    identity::Role role;
    int64_t scope;
    const char* description;
  };
  std::vector<Spec> specs = {
      {"admin", "系统管理员", identity::Role::kAdmin, center, "系统管理员（全国）"},
      {"center", "火炬中心统计处", identity::Role::kCenter, center, "火炬中心（全国）"},
      {"gd_reviewer", "广东省审核员", identity::Role::kReviewer, guangdong, "省级审核员（广东省）"},
      {"bj_reviewer", "北京市审核员", identity::Role::kReviewer, beijing, "省级审核员（北京市）"},
      {"sz_city_reviewer", "深圳市审核员", identity::Role::kReviewer, shenzhen_city,
       "市级审核员（深圳市）"},
      {"sz_zone_reviewer", "深圳高新区审核员", identity::Role::kReviewer, shenzhen_zone,
       "园区审核员（深圳市高新技术产业园区）"},
      {"registry_gd", "广东省技术合同登记员", identity::Role::kRegistry, gen.RegistryOf(guangdong),
       "技术合同登记机构（广东省）"},
      {"unit_demo", "演示企业填报员", identity::Role::kFiller, gen.FirstUnitIn(shenzhen_zone),
       "填报单位（深圳高新区内一家企业）"},
  };
  std::vector<std::pair<Spec, std::string>> hashed;
  for (const Spec& spec : specs) {
    if (spec.scope == 0) {
      continue;  // e.g. no units requested: no filler account
    }
    HUOJU_ASSIGN_OR_RETURN(std::string hash, hasher.Hash(options.password));
    hashed.emplace_back(spec, std::move(hash));
  }
  HUOJU_RETURN_IF_ERROR(db.Write([&](store::Session& s) -> Status {
    if (s.backend() == store::Backend::kPostgres) {
      HUOJU_RETURN_IF_ERROR(
          s.ExecuteScript("SELECT setval(pg_get_serial_sequence('org_node', 'id'), (SELECT MAX(id) "
                          "FROM org_node))"));
    }
    for (const auto& [spec, hash] : hashed) {
      identity::NewAccount a{spec.username, spec.display, hash, spec.role, spec.scope, false};
      HUOJU_ASSIGN_OR_RETURN(int64_t id, identity::AccountRepository::Create(s, a, now));
      (void)id;
    }
    // Load-test accounts: one hash (same password) serves them all, so thousands cost one
    // argon2id run.
    int64_t made = 0;
    const std::string unit_hash = hashed.empty() ? std::string() : hashed.front().second;
    for (const Node& n : nodes) {
      if (made >= options.unit_accounts || unit_hash.empty()) {
        break;
      }
      if (n.kind != NodeKind::kUnit || n.unit_type != "enterprise") {
        continue;
      }
      ++made;
      identity::NewAccount a{fmt::format("unit{:06}", made),
                             n.name + "填报员",
                             unit_hash,
                             identity::Role::kFiller,
                             n.id,
                             false};
      HUOJU_RETURN_IF_ERROR(identity::AccountRepository::Create(s, a, now).status());
    }
    store::AuditEntry e{
        0,          "demo.generate",
        "org_tree", "1",
        center,     "",
        "",         {{"seed", options.seed}, {"units", options.units}, {"nodes", nodes.size()}}};
    return s.AppendAudit(e, now);
  }));
  for (const auto& [spec, hash] : hashed) {
    summary.accounts.push_back({spec.username, spec.description});
  }
  return summary;
}

}  // namespace huoju::app
