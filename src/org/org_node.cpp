#include "huoju/org/org_node.hpp"

#include <fmt/format.h>

namespace huoju::org {
namespace {

constexpr std::string_view kColumns =
    "id, parent_id, kind, name, code, uscc, region_code, zone_id, industry_code, unit_type, "
    "path, depth, child_count, status";

OrgNode NodeFromRow(const store::Rows& r, size_t i) {
  OrgNode n;
  n.id = r.Int(i, 0);
  n.parent_id = r.Int(i, 1);
  n.kind = ParseNodeKind(r.Text(i, 2)).value_or(NodeKind::kUnit);
  n.name = r.Text(i, 3);
  n.code = r.Text(i, 4);
  n.uscc = r.Text(i, 5);
  n.region_code = r.Text(i, 6);
  n.zone_id = r.Int(i, 7);
  n.industry_code = r.Text(i, 8);
  n.unit_type = r.Text(i, 9);
  n.path = r.Text(i, 10);
  n.depth = r.Int(i, 11);
  n.child_count = r.Int(i, 12);
  n.status = r.Text(i, 13);
  return n;
}

store::Value NullIfEmpty(const std::string& s) {
  return s.empty() ? store::Value(nullptr) : store::Value(s);
}

}  // namespace

const char* NodeKindCode(NodeKind kind) {
  switch (kind) {
    case NodeKind::kCenter:
      return "center";
    case NodeKind::kProvince:
      return "province";
    case NodeKind::kCity:
      return "city";
    case NodeKind::kZone:
      return "zone";
    case NodeKind::kRegistry:
      return "registry";
    case NodeKind::kUnit:
      return "unit";
  }
  return "unit";
}

const char* NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kCenter:
      return "火炬中心";
    case NodeKind::kProvince:
      return "省级";
    case NodeKind::kCity:
      return "地市";
    case NodeKind::kZone:
      return "国家高新区";
    case NodeKind::kRegistry:
      return "技术合同登记机构";
    case NodeKind::kUnit:
      return "填报单位";
  }
  return "填报单位";
}

std::optional<NodeKind> ParseNodeKind(std::string_view code) {
  for (NodeKind k : {NodeKind::kCenter, NodeKind::kProvince, NodeKind::kCity, NodeKind::kZone,
                     NodeKind::kRegistry, NodeKind::kUnit}) {
    if (code == NodeKindCode(k)) {
      return k;
    }
  }
  return std::nullopt;
}

std::vector<int64_t> OrgNode::PathIds() const {
  std::vector<int64_t> ids;
  int64_t cur = 0;
  bool in_number = false;
  for (char c : path) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      ids.push_back(cur);
      cur = 0;
      in_number = false;
    }
  }
  return ids;
}

nlohmann::json OrgNode::ToJson() const {
  auto opt_text = [](const std::string& s) {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  const bool unit = kind == NodeKind::kUnit;
  return {{"id", id},
          {"parent_id", parent_id == 0 ? nlohmann::json() : nlohmann::json(parent_id)},
          {"kind", NodeKindCode(kind)},
          {"kind_name", NodeKindName(kind)},
          {"name", name},
          {"code", opt_text(code)},
          {"uscc", opt_text(uscc)},
          {"region_code", opt_text(region_code)},
          {"zone_id", unit && zone_id != 0 ? nlohmann::json(zone_id) : nlohmann::json()},
          {"industry_code", opt_text(industry_code)},
          {"unit_type", opt_text(unit_type)},
          {"depth", depth},
          {"child_count", child_count},
          {"status", status}};
}

Result<OrgNode> OrgRepository::Get(store::Session& s, int64_t id) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows, s.Query(fmt::format("SELECT {} FROM org_node WHERE id = ?", kColumns), {id}));
  if (rows.empty()) {
    return Status::NotFound("机构不存在或不在您的管辖范围内");
  }
  return NodeFromRow(rows, 0);
}

Result<OrgNode> OrgRepository::GetByUscc(store::Session& s, std::string_view uscc) {
  HUOJU_ASSIGN_OR_RETURN(auto rows,
                         s.Query(fmt::format("SELECT {} FROM org_node WHERE uscc = ?", kColumns),
                                 {std::string(uscc)}));
  if (rows.empty()) {
    return Status::NotFound("没有该统一社会信用代码的单位");
  }
  return NodeFromRow(rows, 0);
}

Result<std::vector<OrgNode>> OrgRepository::All(store::Session& s) {
  HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query(fmt::format("SELECT {} FROM org_node", kColumns)));
  std::vector<OrgNode> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    out.push_back(NodeFromRow(rows, i));
  }
  return out;
}

Result<std::vector<OrgNode>> OrgRepository::Lineage(store::Session& s, const OrgNode& node) {
  std::vector<OrgNode> out;
  for (int64_t id : node.PathIds()) {
    if (id == node.id) {
      out.push_back(node);
      continue;
    }
    HUOJU_ASSIGN_OR_RETURN(auto n, Get(s, id));
    out.push_back(std::move(n));
  }
  return out;
}

Result<std::vector<OrgNode>> OrgRepository::Subtree(store::Session& s, const std::string& path) {
  HUOJU_ASSIGN_OR_RETURN(
      auto rows, s.Query(fmt::format("SELECT {} FROM org_node WHERE path >= ? AND path < ? ORDER "
                                     "BY depth, id",
                                     kColumns),
                         {path, path + "\x7f"}));
  std::vector<OrgNode> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    out.push_back(NodeFromRow(rows, i));
  }
  return out;
}

Result<OrgNode> OrgRepository::Create(store::Session& s, const NewNode& node, int64_t now_millis) {
  // The child's path is the parent's: no move may change it before this commits.
  HUOJU_RETURN_IF_ERROR(s.Lock(store::Session::WriteLock::kOrgTree));
  HUOJU_ASSIGN_OR_RETURN(OrgNode parent, Get(s, node.parent_id));
  HUOJU_ASSIGN_OR_RETURN(
      auto inserted,
      s.Query("INSERT INTO org_node (parent_id, kind, name, code, uscc, region_code, zone_id, "
              "industry_code, unit_type, path, depth, created_at, updated_at) VALUES "
              "(?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?) RETURNING id",
              {node.parent_id, std::string(NodeKindCode(node.kind)), node.name,
               NullIfEmpty(node.code), NullIfEmpty(node.uscc), NullIfEmpty(node.region_code),
               node.zone_id == 0 ? store::Value(nullptr) : store::Value(node.zone_id),
               NullIfEmpty(node.industry_code), NullIfEmpty(node.unit_type), parent.depth + 1,
               now_millis, now_millis}));
  int64_t id = inserted.Int(0, 0);
  std::string path = parent.path + std::to_string(id) + "/";
  HUOJU_RETURN_IF_ERROR(
      s.Execute("UPDATE org_node SET path = ? WHERE id = ?", {path, id}).status());
  HUOJU_RETURN_IF_ERROR(
      s.Execute("UPDATE org_node SET child_count = child_count + 1, updated_at = ? WHERE id = ?",
                {now_millis, node.parent_id})
          .status());
  return Get(s, id);
}

Result<int64_t> OrgRepository::Count(store::Session& s) {
  HUOJU_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT COUNT(*) FROM org_node"));
  return rows.Int(0, 0);
}

}  // namespace huoju::org
