#include "huoju/org/directory.hpp"

#include <gtest/gtest.h>

namespace huoju::org {
namespace {

OrgNode Node(int64_t id, int64_t parent, const std::string& parent_path, NodeKind kind,
             const std::string& name, const std::string& code = "") {
  OrgNode n;
  n.id = id;
  n.parent_id = parent;
  n.kind = kind;
  n.name = name;
  n.code = code;
  n.path = parent_path + std::to_string(id) + "/";
  n.depth = parent == 0 ? 0 : static_cast<int64_t>(n.PathIds().size()) - 1;
  return n;
}

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Upsert(Node(1, 0, "/", NodeKind::kCenter, "火炬中心"));
    dir_.Upsert(Node(2, 1, "/1/", NodeKind::kProvince, "广东省", "440000"));
    dir_.Upsert(Node(3, 1, "/1/", NodeKind::kProvince, "北京市", "110000"));
    dir_.Upsert(Node(4, 2, "/1/2/", NodeKind::kCity, "深圳市", "440300"));
    dir_.Upsert(Node(5, 4, "/1/2/4/", NodeKind::kUnit, "深圳乙科技有限公司"));
    dir_.Upsert(Node(6, 4, "/1/2/4/", NodeKind::kUnit, "深圳甲科技有限公司"));
    dir_.Upsert(Node(7, 3, "/1/3/", NodeKind::kUnit, "北京科技有限公司"));
  }
  Directory dir_;
};

TEST_F(DirectoryTest, ChildrenInDisplayOrderWithPaging) {
  auto provinces = dir_.Children(1, std::nullopt, {0, 50});
  ASSERT_EQ(provinces.total, 2);
  EXPECT_EQ(provinces.items[0].name, "北京市");  // code 110000 sorts first
  auto page = dir_.Children(4, NodeKind::kUnit, {1, 1});
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(dir_.Get(4)->child_count, 2);
  EXPECT_EQ(dir_.Children(999, std::nullopt, {0, 10}).total, 0);
}

TEST_F(DirectoryTest, SearchStaysInsideTheScope) {
  auto guangdong = *dir_.Get(2);
  auto hits = dir_.Search(guangdong, "科技", std::nullopt, {0, 50});
  EXPECT_EQ(hits.total, 2);
  for (const auto& n : hits.items) {
    EXPECT_TRUE(guangdong.Contains(n));
  }
  EXPECT_EQ(dir_.Search(guangdong, "北京", std::nullopt, {0, 50}).total, 0);
  EXPECT_EQ(dir_.Search(*dir_.Get(1), "北京", std::nullopt, {0, 50}).total, 2);
}

TEST_F(DirectoryTest, LineageAndUpsertAfterCommit) {
  auto lineage = dir_.Lineage(5);
  ASSERT_EQ(lineage.size(), 4u);
  EXPECT_EQ(lineage.front().id, 1);
  EXPECT_EQ(lineage.back().id, 5);
  dir_.Upsert(Node(8, 4, "/1/2/4/", NodeKind::kUnit, "深圳丙科技有限公司"));
  EXPECT_EQ(dir_.Children(4, std::nullopt, {0, 50}).total, 3);
  EXPECT_EQ(dir_.size(), 8u);
}

TEST_F(DirectoryTest, FindsUnitsByUsccAcrossChanges) {
  OrgNode unit = Node(9, 4, "/1/2/4/", NodeKind::kUnit, "深圳丁科技有限公司");
  unit.uscc = "91440300MA5FXXXX1X";
  dir_.Upsert(unit);
  ASSERT_TRUE(dir_.GetByUscc("91440300MA5FXXXX1X"));
  EXPECT_EQ(dir_.GetByUscc("91440300MA5FXXXX1X")->id, 9);
  EXPECT_FALSE(dir_.GetByUscc(""));  // nodes without a USCC are not found by an empty one
  EXPECT_FALSE(dir_.GetByUscc("91440300MA5FXXXX2X"));
  EXPECT_EQ(dir_.IdByUscc("91440300MA5FXXXX1X", *dir_.Get(2)), 9);  // 广东省 holds it
  EXPECT_FALSE(dir_.IdByUscc("91440300MA5FXXXX1X", *dir_.Get(3)));  // 北京市 does not
  EXPECT_FALSE(dir_.IdByUscc("", *dir_.Get(1)));
  // A corrected USCC: found by the new code only, and the key outlives the old string.
  unit.uscc = "91440300MA5FYYYY2Y";
  dir_.Upsert(unit);
  EXPECT_FALSE(dir_.GetByUscc("91440300MA5FXXXX1X"));
  EXPECT_EQ(dir_.GetByUscc("91440300MA5FYYYY2Y")->name, "深圳丁科技有限公司");
  unit.uscc.clear();
  dir_.Upsert(unit);
  EXPECT_FALSE(dir_.GetByUscc("91440300MA5FYYYY2Y"));
}

}  // namespace
}  // namespace huoju::org
