#include "huoju/org/directory.hpp"

#include <algorithm>
#include <mutex>
#include <tuple>

namespace huoju::org {

Result<std::unique_ptr<Directory>> Directory::Load(store::Database& db) {
  auto dir = std::make_unique<Directory>();
  std::vector<OrgNode> all;
  HUOJU_RETURN_IF_ERROR(db.Read([&](store::Session& s) -> Status {
    HUOJU_ASSIGN_OR_RETURN(all, OrgRepository::All(s));
    return Status::Ok();
  }));
  // Parents before children: depth order, so Upsert can link each node to its parent.
  std::stable_sort(all.begin(), all.end(),
                   [](const OrgNode& a, const OrgNode& b) { return a.depth < b.depth; });
  dir->nodes_.reserve(all.size());
  dir->by_uscc_.reserve(all.size());
  for (auto& n : all) {
    int64_t parent = n.parent_id;
    int64_t id = n.id;
    Entry& entry = dir->nodes_[id];
    entry = Entry{std::move(n), {}};
    dir->IndexUscc(entry.node);
    if (parent != 0) {
      auto it = dir->nodes_.find(parent);
      if (it != dir->nodes_.end()) {
        it->second.children.push_back(id);
      }
    }
  }
  for (auto& [id, e] : dir->nodes_) {
    std::sort(e.children.begin(), e.children.end(),
              [&](int64_t a, int64_t b) { return dir->DisplayLess(a, b); });
  }
  return dir;
}

bool Directory::DisplayLess(int64_t a, int64_t b) const {
  const OrgNode& x = nodes_.at(a).node;
  const OrgNode& y = nodes_.at(b).node;
  // Same order as the SQL it replaces: kind code text, code, name, id.
  return std::make_tuple(std::string_view(NodeKindCode(x.kind)), std::string_view(x.code),
                         std::string_view(x.name), x.id) <
         std::make_tuple(std::string_view(NodeKindCode(y.kind)), std::string_view(y.code),
                         std::string_view(y.name), y.id);
}

void Directory::Upsert(const OrgNode& node) {
  std::unique_lock lock(mu_);
  auto it = nodes_.find(node.id);
  if (it != nodes_.end()) {
    // Order keys may have changed: re-place it among its siblings.
    int64_t old_parent = it->second.node.parent_id;
    UnindexUscc(it->second.node);
    it->second.node = node;
    IndexUscc(it->second.node);
    auto parent = nodes_.find(old_parent);
    if (parent != nodes_.end()) {
      auto& c = parent->second.children;
      c.erase(std::remove(c.begin(), c.end(), node.id), c.end());
    }
  } else {
    Entry& entry = nodes_[node.id];
    entry = Entry{node, {}};
    IndexUscc(entry.node);
  }
  auto parent = nodes_.find(node.parent_id);
  if (parent != nodes_.end()) {
    auto& c = parent->second.children;
    c.insert(std::upper_bound(c.begin(), c.end(), node.id,
                              [&](int64_t a, int64_t b) { return DisplayLess(a, b); }),
             node.id);
    parent->second.node.child_count = static_cast<int64_t>(c.size());
  }
}

const Directory::Entry* Directory::Find(int64_t id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

void Directory::IndexUscc(const OrgNode& node) {
  if (!node.uscc.empty()) {
    by_uscc_[node.uscc] = node.id;
  }
}

void Directory::UnindexUscc(const OrgNode& node) {
  auto it = by_uscc_.find(node.uscc);
  if (it != by_uscc_.end() && it->second == node.id) {
    by_uscc_.erase(it);
  }
}

std::optional<OrgNode> Directory::GetByUscc(std::string_view uscc) const {
  std::shared_lock lock(mu_);
  auto it = by_uscc_.find(uscc);
  if (uscc.empty() || it == by_uscc_.end()) {
    return std::nullopt;
  }
  const Entry* e = Find(it->second);
  return e == nullptr ? std::nullopt : std::optional<OrgNode>(e->node);
}

std::optional<int64_t> Directory::IdByUscc(std::string_view uscc, const OrgNode& scope) const {
  std::shared_lock lock(mu_);
  auto it = by_uscc_.find(uscc);
  if (uscc.empty() || it == by_uscc_.end()) {
    return std::nullopt;
  }
  const Entry* e = Find(it->second);
  if (e == nullptr || !scope.Contains(e->node)) {
    return std::nullopt;
  }
  return e->node.id;
}

std::optional<OrgNode> Directory::Get(int64_t id) const {
  std::shared_lock lock(mu_);
  const Entry* e = Find(id);
  if (e == nullptr) {
    return std::nullopt;
  }
  return e->node;
}

NodePage Directory::Children(int64_t parent_id, std::optional<NodeKind> kind, Page page) const {
  std::shared_lock lock(mu_);
  NodePage out;
  const Entry* e = Find(parent_id);
  if (e == nullptr) {
    return out;
  }
  int64_t index = 0;
  for (int64_t child : e->children) {
    const OrgNode& n = nodes_.at(child).node;
    if (kind && n.kind != *kind) {
      continue;
    }
    if (index >= page.offset && index < page.offset + page.limit) {
      out.items.push_back(n);
    }
    ++index;
  }
  out.total = index;
  return out;
}

NodePage Directory::Search(const OrgNode& scope, std::string_view query,
                           std::optional<NodeKind> kind, Page page) const {
  std::shared_lock lock(mu_);
  std::vector<const OrgNode*> hits;
  std::vector<int64_t> stack{scope.id};
  while (!stack.empty()) {
    const Entry* e = Find(stack.back());
    stack.pop_back();
    if (e == nullptr) {
      continue;
    }
    const OrgNode& n = e->node;
    if ((!kind || n.kind == *kind) &&
        (n.name.find(query) != std::string::npos || (!n.uscc.empty() && n.uscc == query))) {
      hits.push_back(&n);
    }
    stack.insert(stack.end(), e->children.begin(), e->children.end());
  }
  std::sort(hits.begin(), hits.end(), [](const OrgNode* a, const OrgNode* b) {
    return std::tie(a->depth, a->name, a->id) < std::tie(b->depth, b->name, b->id);
  });
  NodePage out;
  out.total = static_cast<int64_t>(hits.size());
  for (int64_t i = page.offset; i < out.total && i < page.offset + page.limit; ++i) {
    out.items.push_back(*hits[static_cast<size_t>(i)]);
  }
  return out;
}

std::vector<OrgNode> Directory::Lineage(int64_t id) const {
  std::shared_lock lock(mu_);
  std::vector<OrgNode> out;
  const Entry* e = Find(id);
  if (e == nullptr) {
    return out;
  }
  for (int64_t step : e->node.PathIds()) {
    const Entry* s = Find(step);
    if (s != nullptr) {
      out.push_back(s->node);
    }
  }
  return out;
}

size_t Directory::size() const {
  std::shared_lock lock(mu_);
  return nodes_.size();
}

}  // namespace huoju::org
