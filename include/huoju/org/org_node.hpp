// huoju/org/org_node.hpp
//
// The org tree: 火炬中心 → provinces → cities → zones / registration bodies → units. Every
// node carries its materialised path of ids ("/1/5/23/"), so "is B inside A's subtree" is a
// prefix test on paths; scopes of accounts are subtrees.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"
#include "huoju/store/database.hpp"

namespace huoju::org {

enum class NodeKind { kCenter, kProvince, kCity, kZone, kRegistry, kUnit };

const char* NodeKindCode(NodeKind kind);  ///< "center", "province", …
const char* NodeKindName(NodeKind kind);  ///< 火炬中心, 省级, …
std::optional<NodeKind> ParseNodeKind(std::string_view code);

struct OrgNode {
  int64_t id = 0;
  int64_t parent_id = 0;  ///< 0 for the root
  NodeKind kind = NodeKind::kUnit;
  std::string name;
  std::string code;  ///< GB/T 2260 code of provinces/cities; zone code of zones
  std::string uscc;
  std::string region_code;
  int64_t zone_id = 0;
  std::string industry_code;
  std::string unit_type;
  std::string path;
  int64_t depth = 0;
  int64_t child_count = 0;
  std::string status = "active";

  /// True when `other` is this node or lies below it.
  bool Contains(const OrgNode& other) const { return other.path.rfind(path, 0) == 0; }
  /// The ids on the path from the root to this node, inclusive.
  std::vector<int64_t> PathIds() const;
  /// The API representation (docs/api.md `OrgNode`).
  nlohmann::json ToJson() const;
};

struct Page {
  int64_t offset = 0;
  int64_t limit = 50;
};

struct NodePage {
  std::vector<OrgNode> items;
  int64_t total = 0;
};

/// Fields of a node to create. `parent_id` must exist.
struct NewNode {
  int64_t parent_id = 0;
  NodeKind kind = NodeKind::kUnit;
  std::string name;
  std::string code;
  std::string uscc;
  std::string region_code;
  int64_t zone_id = 0;
  std::string industry_code;
  std::string unit_type;
};

/// Reads and writes of org nodes inside a store transaction. Stateless; thread-safe.
class OrgRepository {
 public:
  /// NotFound when absent.
  static Result<OrgNode> Get(store::Session& s, int64_t id);
  static Result<OrgNode> GetByUscc(store::Session& s, std::string_view uscc);
  /// Every node (to build the in-memory Directory).
  static Result<std::vector<OrgNode>> All(store::Session& s);
  /// Nodes from the root down to `node`, inclusive.
  static Result<std::vector<OrgNode>> Lineage(store::Session& s, const OrgNode& node);
  /// Creates a node under an existing parent; returns it. Conflict on a duplicate USCC.
  static Result<OrgNode> Create(store::Session& s, const NewNode& node, int64_t now_millis);
  /// The node with `path` and every node below it, parents before children (by depth).
  static Result<std::vector<OrgNode>> Subtree(store::Session& s, const std::string& path);
  /// Number of nodes in the tree.
  static Result<int64_t> Count(store::Session& s);
};

}  // namespace huoju::org
